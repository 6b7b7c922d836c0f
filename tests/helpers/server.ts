// A real server for black-box tests: `keystone start` (the production entry point, built by
// `npm test` beforehand) on a free loopback port, over a fresh database migrated from
// migrations/, plus a Keystone context on the same database for factories.
//
// SQLite by default: each server copies a migrated template file. With TEST_DATABASE_URL (a
// PostgreSQL server whose user may create databases), `startServer({ database: 'postgresql' })`
// gives the server a database of its own, created from a migrated template database and dropped
// by `stop()`; without it such a test is skipped (`databaseSkipReason`). TEST_DATABASE=postgresql
// makes PostgreSQL the default for every server of the run.
import './env'
import { spawn, type ChildProcess } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import pg from 'pg'
import { applyPendingMigrations } from '../../scripts/lib/migrator'
import { createContext } from '../../scripts/lib/context'
import { postgresqlServerRoot } from '../../scripts/lib/keystoneCli'
import type { Context } from '../../generated/keystone/types'
import { TEST_PUBLIC_URL, TEST_SESSION_SECRET } from './env'

export const ROOT = path.resolve(import.meta.dirname, '../..')

export type TestDatabase = 'sqlite' | 'postgresql'

export const TEST_DATABASES: readonly TestDatabase[] = ['sqlite', 'postgresql']

const POSTGRES_URL = process.env.TEST_DATABASE_URL || undefined

// the database of a server that does not name one
const DEFAULT_DATABASE: TestDatabase = process.env.TEST_DATABASE === 'postgresql' ? 'postgresql' : 'sqlite'

/**
 * Why a test on `database` cannot run in this environment, or undefined when it can: pass it as
 * `{ skip: databaseSkipReason('postgresql') }` to `describe` or `test`.
 */
export function databaseSkipReason (database: TestDatabase): string | undefined {
  if (database === 'postgresql' && !POSTGRES_URL) {
    return 'no PostgreSQL configured: set TEST_DATABASE_URL=postgres://… (a user that may create databases), or run `.ci/with-postgres npm test`'
  }
  return undefined
}

// the body is loosely typed: tests read whatever shape the query asked for
export type GraphQLResponse<T = any> = {
  status: number
  headers: Headers
  body: { data?: T, errors?: any } & Record<string, any>
}

export type Credentials = { token?: string, cookie?: string, headers?: Record<string, string> }

export type TestServer = {
  url: string
  database: TestDatabase
  databaseUrl: string
  context: Context
  gql: <T = any>(query: string, variables?: Record<string, unknown>, credentials?: Credentials) => Promise<GraphQLResponse<T>>
  // everything the server wrote to stdout and stderr so far
  output: () => string
  stop: () => Promise<void>
}

const MIGRATIONS_DIR = path.join(ROOT, 'migrations')

function migrationsFingerprint (dir: string): string {
  const hash = createHash('sha256')
  for (const name of readdirSync(dir).sort()) {
    const file = path.join(dir, name, 'migration.sql')
    if (existsSync(file)) hash.update(name).update(readFileSync(file))
  }
  return hash.digest('hex').slice(0, 16)
}

// migrating once per suite run and copying the file is far faster than replaying SQL per server
async function templateDatabase (): Promise<string> {
  const file = path.join(os.tmpdir(), `identity-template-${migrationsFingerprint(path.join(MIGRATIONS_DIR, 'sqlite'))}.db`)
  if (!existsSync(file)) {
    // built aside and renamed into place: rename is atomic, so a test file starting at the same
    // moment copies either no template or a whole one, never a half-written or vanishing one
    const building = `${file}.${process.pid}.${Date.now()}.tmp`
    await applyPendingMigrations({ databaseUrl: `file:${building}`, migrationsDir: MIGRATIONS_DIR })
    renameSync(building, file)
  }
  return file
}

// one key for every test process on the server: template creation is serialised across them
const PG_TEMPLATE_LOCK = 7_310_415_863

function postgresUrlFor (database: string): string {
  const url = new URL(requirePostgresUrl())
  url.pathname = `/${database}`
  return url.toString()
}

function requirePostgresUrl (): string {
  const reason = databaseSkipReason('postgresql')
  if (reason !== undefined || POSTGRES_URL === undefined) throw new Error(`startServer({ database: 'postgresql' }): ${reason}`)
  return POSTGRES_URL
}

async function withPostgresAdmin<T> (work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: requirePostgresUrl() })
  await client.connect()
  try {
    return await work(client)
  } finally {
    await client.end()
  }
}

let postgresTemplate: Promise<string> | undefined

// the PostgreSQL twin of templateDatabase: a database migrated once per migrations fingerprint,
// which every server's database is then created from (CREATE DATABASE … TEMPLATE copies files)
function postgresTemplateDatabase (): Promise<string> {
  postgresTemplate ??= withPostgresAdmin(async admin => {
    const name = `identity_template_${migrationsFingerprint(path.join(MIGRATIONS_DIR, 'postgresql'))}`
    // test files run in parallel processes: the first one builds, the others wait here and find it built
    await admin.query('SELECT pg_advisory_lock($1)', [PG_TEMPLATE_LOCK])
    try {
      const found = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])
      if (found.rowCount === 0) {
        // built under another name and renamed when whole: a run killed halfway leaves no half-migrated template
        const building = `${name}_building`
        await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(building)} WITH (FORCE)`)
        await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(building)}`)
        await applyPendingMigrations({ databaseUrl: postgresUrlFor(building), migrationsDir: MIGRATIONS_DIR })
        await admin.query(`ALTER DATABASE ${pg.escapeIdentifier(building)} RENAME TO ${pg.escapeIdentifier(name)}`)
      }
    } finally {
      await admin.query('SELECT pg_advisory_unlock($1)', [PG_TEMPLATE_LOCK])
    }
    return name
  })
  return postgresTemplate
}

/** Create a database of its own for one server; give its URL and the function that drops it. */
async function createPostgresDatabase (): Promise<{ databaseUrl: string, drop: () => Promise<void> }> {
  const template = await postgresTemplateDatabase()
  const name = `identity_test_${process.pid}_${randomBytes(4).toString('hex')}`
  await withPostgresAdmin(async admin => {
    for (let attempt = 1; ; attempt++) {
      try {
        await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(name)} TEMPLATE ${pg.escapeIdentifier(template)}`)
        return
      } catch (error) {
        // 55006: the template is briefly in use (another CREATE DATABASE copying it); try again
        if ((error as { code?: string }).code !== '55006' || attempt >= 20) throw error
        await new Promise(resolve => setTimeout(resolve, 100 * attempt))
      }
    }
  })
  return {
    databaseUrl: postgresUrlFor(name),
    drop: () => withPostgresAdmin(async admin => {
      await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`)
    }),
  }
}

/** A fresh SQLite file copied from the template; give its URL and the function that removes it. */
async function createSqliteDatabase (): Promise<{ databaseUrl: string, drop: () => Promise<void> }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'identity-test-'))
  const dbFile = path.join(dir, 'test.db')
  copyFileSync(await templateDatabase(), dbFile)
  return { databaseUrl: `file:${dbFile}`, drop: async () => rmSync(dir, { recursive: true, force: true }) }
}

export async function freePort (): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))))
    })
  })
}

async function waitUntilServing (url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 60_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${output()}`)
    try {
      const response = await fetch(`${url}/api/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ __typename }' }),
      })
      if (response.ok) return
    } catch {}
    await new Promise(resolve => setTimeout(resolve, 100))
  }
  throw new Error(`server did not start within 60 s:\n${output()}`)
}

export async function startServer (options: { env?: Record<string, string>, ui?: boolean, database?: TestDatabase } = {}): Promise<TestServer> {
  const database = options.database ?? DEFAULT_DATABASE
  if (!existsSync(path.join(ROOT, '.keystone', 'config.js'))) {
    throw new Error('No Keystone build: run the suite with `npm test`, which builds first')
  }
  // Keystone keeps one built Prisma client per folder, so the PostgreSQL server runs from its own
  const cwd = database === 'postgresql' ? postgresqlServerRoot : ROOT
  if (database === 'postgresql') {
    requirePostgresUrl()
    if (!existsSync(path.join(cwd, '.keystone', 'prisma.js'))) {
      throw new Error('No PostgreSQL build: run the suite with TEST_DATABASE_URL set (`TEST_DATABASE_URL=postgres://… npm test`), which builds it')
    }
    if (options.ui) throw new Error('The Admin UI is built for the SQLite server only')
  }
  const { databaseUrl, drop } = database === 'postgresql' ? await createPostgresDatabase() : await createSqliteDatabase()
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`

  let log = ''
  const child = spawn(process.execPath, [path.join(ROOT, 'node_modules/@keystone-6/core/bin/cli.js'), 'start', ...(options.ui ? [] : ['--no-ui'])], {
    cwd,
    env: {
      ...process.env,
      NODE_ENV: 'production',
      DATABASE_URL: databaseUrl,
      SESSION_SECRET: TEST_SESSION_SECRET,
      HOST: '127.0.0.1',
      PORT: String(port),
      PUBLIC_URL: TEST_PUBLIC_URL,
      ...options.env,
    },
    stdio: ['ignore', process.env.DEBUG_SERVER ? 'inherit' : 'pipe', process.env.DEBUG_SERVER ? 'inherit' : 'pipe'],
  })
  child.stdout?.on('data', chunk => { log += chunk })
  child.stderr?.on('data', chunk => { log += chunk })

  try {
    await waitUntilServing(url, child, () => log)
  } catch (error) {
    child.kill('SIGKILL')
    await drop().catch(() => undefined)
    throw error
  }
  const context = await createContext(databaseUrl)

  return {
    url,
    database,
    databaseUrl,
    context,
    async gql (query, variables = {}, credentials = {}) {
      const headers: Record<string, string> = { 'content-type': 'application/json', ...credentials.headers }
      if (credentials.token) headers.authorization = `Bearer ${credentials.token}`
      if (credentials.cookie) headers.cookie = credentials.cookie
      const response = await fetch(`${url}/api/graphql`, { method: 'POST', headers, body: JSON.stringify({ query, variables }) })
      return { status: response.status, headers: response.headers, body: await response.json() as any }
    },
    output: () => log,
    async stop () {
      await (context.prisma as { $disconnect: () => Promise<void> }).$disconnect()
      await new Promise<void>(resolve => {
        if (child.exitCode !== null) return resolve()
        child.once('exit', () => resolve())
        child.kill('SIGTERM')
        setTimeout(() => child.kill('SIGKILL'), 5000).unref()
      })
      await drop()
    },
  }
}
