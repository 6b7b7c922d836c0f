// A real server for black-box tests: `keystone start` (the production entry point, built by
// `npm test` beforehand) on a free loopback port, over a fresh database migrated from
// migrations/, plus a Keystone context on the same database for factories.
//
// SQLite by default: each server copies a migrated template file. With TEST_DATABASE_URL (a
// PostgreSQL server whose user may create databases), `startServer({ database: 'postgresql' })`
// gives the server a database of its own, created from a migrated template database and dropped
// by `stop()`; without it such a test is skipped (`databaseSkipReason`). TEST_DATABASE=postgresql
// makes PostgreSQL the default for every server of the run (tests/helpers/database.ts).
// `startServer({ databaseUrl: other.databaseUrl })` starts a second process on another server's
// database, as a deployment with several processes runs.
//
// A production server's output is kept in the run's log folder and searched for secrets when it
// stops (tests/helpers/serverLogs.ts): stop() fails when the server logged one.
import './env'
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createServer } from 'node:net'
import path from 'node:path'
import { createContext } from '../../scripts/lib/context'
import { postgresqlServerRoot } from '../../scripts/lib/keystoneCli'
import { providerOf } from '../../database'
import type { Context } from '../../generated/keystone/types'
import { DEFAULT_DATABASE, createTestDatabase, requirePostgresUrl, type TestDatabase } from './database'
import { TEST_PUBLIC_URL, TEST_SESSION_SECRET } from './env'
import { assertNoSecrets, saveServerLog } from './serverLogs'

export const ROOT = path.resolve(import.meta.dirname, '../..')

export { DEFAULT_DATABASE, TEST_DATABASES, databaseSkipReason, type TestDatabase } from './database'

// the body is loosely typed: tests read whatever shape the query asked for
export type GraphQLResponse<T = any> = {
  status: number
  headers: Headers
  body: { data?: T; errors?: any } & Record<string, any>
}

export type Credentials = { token?: string; cookie?: string; headers?: Record<string, string> }

export type TestServer = {
  url: string
  database: TestDatabase
  databaseUrl: string
  context: Context
  gql: <T = any>(
    query: string,
    variables?: Record<string, unknown>,
    credentials?: Credentials,
  ) => Promise<GraphQLResponse<T>>
  // everything the server wrote to stdout and stderr so far
  output: () => string
  // the server process, for tests of signals
  pid: number
  // how the process ended, once it has
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  stop: () => Promise<void>
}

export type StartServerOptions = {
  env?: Record<string, string>
  ui?: boolean
  // the run's default (TEST_DATABASE) when omitted; follows databaseUrl when that is given
  database?: TestDatabase
  // serve a database that exists already (another server's, as a second process of one
  // deployment): it is neither created nor dropped here, its owner drops it
  databaseUrl?: string
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      )
    })
  })
}

async function waitUntilServing(url: string, child: ChildProcess, output: () => string): Promise<void> {
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

export async function startServer(options: StartServerOptions = {}): Promise<TestServer> {
  const database =
    options.databaseUrl !== undefined ? providerOf(options.databaseUrl) : (options.database ?? DEFAULT_DATABASE)
  if (options.database !== undefined && options.database !== database) {
    throw new Error(`startServer: database ${options.database} but databaseUrl ${options.databaseUrl} is ${database}`)
  }
  if (!existsSync(path.join(ROOT, '.keystone', 'config.js'))) {
    throw new Error('No Keystone build: run the suite with `npm test`, which builds first')
  }
  // Keystone keeps one built Prisma client per folder, so the PostgreSQL server runs from its own
  const cwd = database === 'postgresql' ? postgresqlServerRoot : ROOT
  if (database === 'postgresql') {
    requirePostgresUrl()
    if (!existsSync(path.join(cwd, '.keystone', 'prisma.js'))) {
      throw new Error(
        'No PostgreSQL build: run the suite with TEST_DATABASE_URL set (`TEST_DATABASE_URL=postgres://… npm test`), which builds it',
      )
    }
    if (options.ui) throw new Error('The Admin UI is built for the SQLite server only')
  }
  const { databaseUrl, drop } =
    options.databaseUrl !== undefined
      ? { databaseUrl: options.databaseUrl, drop: async () => {} }
      : await createTestDatabase(database)
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`

  let log = ''
  const childEnv: Record<string, string | undefined> = {
    ...process.env,
    NODE_ENV: 'production',
    DATABASE_URL: databaseUrl,
    SESSION_SECRET: TEST_SESSION_SECRET,
    HOST: '127.0.0.1',
    PORT: String(port),
    PUBLIC_URL: TEST_PUBLIC_URL,
    ...options.env,
  }
  // --quiet, as `npm start` runs it: the server announces itself in its own log line
  const child = spawn(
    process.execPath,
    [
      path.join(ROOT, 'node_modules/@keystone-6/core/bin/cli.js'),
      'start',
      '--quiet',
      ...(options.ui ? [] : ['--no-ui']),
    ],
    {
      cwd,
      env: childEnv,
      stdio: ['ignore', process.env.DEBUG_SERVER ? 'inherit' : 'pipe', process.env.DEBUG_SERVER ? 'inherit' : 'pipe'],
    },
  )
  child.stdout?.on('data', chunk => {
    log += chunk
  })
  child.stderr?.on('data', chunk => {
    log += chunk
  })
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>(resolve => {
    // 'close': the output is read to its end
    child.once('close', (code, signal) => resolve({ code, signal }))
  })
  // production never logs a secret; a development server prints its mails' links on purpose
  const scanned = childEnv.NODE_ENV === 'production'

  try {
    await waitUntilServing(url, child, () => log)
  } catch (error) {
    child.kill('SIGKILL')
    await drop().catch(() => undefined)
    throw error
  }
  // this process writes fixtures beside the server's own workers: its transactions wait their turn
  // for the file's write lock instead of failing when the server committed after they read
  const context = await createContext(databaseUrl, { immediateTransactions: true })

  return {
    url,
    database,
    databaseUrl,
    context,
    async gql(query, variables = {}, credentials = {}) {
      const headers: Record<string, string> = { 'content-type': 'application/json', ...credentials.headers }
      if (credentials.token) headers.authorization = `Bearer ${credentials.token}`
      if (credentials.cookie) headers.cookie = credentials.cookie
      const response = await fetch(`${url}/api/graphql`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ query, variables }),
      })
      return { status: response.status, headers: response.headers, body: (await response.json()) as any }
    },
    output: () => log,
    pid: child.pid!,
    exit,
    async stop() {
      await (context.prisma as { $disconnect: () => Promise<void> }).$disconnect()
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM')
        const killer = setTimeout(() => child.kill('SIGKILL'), 15_000)
        await exit
        clearTimeout(killer)
      }
      await drop()
      if (scanned) {
        saveServerLog(`server-${port}-${child.pid}`, log)
        assertNoSecrets(log, `the server on port ${port}`)
      }
    },
  }
}
