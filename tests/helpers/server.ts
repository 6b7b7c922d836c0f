// A real server for black-box tests: `keystone start` (the production entry point, built by
// `npm test` beforehand) on a free loopback port, over a fresh SQLite file migrated from
// migrations/, plus a Keystone context on the same file for factories.
import './env'
import { spawn, type ChildProcess } from 'node:child_process'
import { createHash } from 'node:crypto'
import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { applyPendingMigrations } from '../../scripts/lib/migrator'
import { createContext } from '../../scripts/lib/context'
import type { Context } from '../../generated/keystone/types'
import { TEST_PUBLIC_URL, TEST_SESSION_SECRET } from './env'

export const ROOT = path.resolve(import.meta.dirname, '../..')

// the body is loosely typed: tests read whatever shape the query asked for
export type GraphQLResponse<T = any> = {
  status: number
  headers: Headers
  body: { data?: T, errors?: any } & Record<string, any>
}

export type Credentials = { token?: string, cookie?: string, headers?: Record<string, string> }

export type TestServer = {
  url: string
  databaseUrl: string
  context: Context
  gql: <T = any>(query: string, variables?: Record<string, unknown>, credentials?: Credentials) => Promise<GraphQLResponse<T>>
  // everything the server wrote to stdout and stderr so far
  output: () => string
  stop: () => Promise<void>
}

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
  const migrationsDir = path.join(ROOT, 'migrations')
  const file = path.join(os.tmpdir(), `identity-template-${migrationsFingerprint(path.join(migrationsDir, 'sqlite'))}.db`)
  if (!existsSync(file)) {
    // built aside and renamed into place: rename is atomic, so a test file starting at the same
    // moment copies either no template or a whole one, never a half-written or vanishing one
    const building = `${file}.${process.pid}.${Date.now()}.tmp`
    await applyPendingMigrations({ databaseUrl: `file:${building}`, migrationsDir })
    renameSync(building, file)
  }
  return file
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

export async function startServer (options: { env?: Record<string, string>, ui?: boolean } = {}): Promise<TestServer> {
  if (!existsSync(path.join(ROOT, '.keystone', 'config.js'))) {
    throw new Error('No Keystone build: run the suite with `npm test`, which builds first')
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'identity-test-'))
  const dbFile = path.join(dir, 'test.db')
  copyFileSync(await templateDatabase(), dbFile)
  const databaseUrl = `file:${dbFile}`
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`

  let log = ''
  const child = spawn(process.execPath, [path.join(ROOT, 'node_modules/@keystone-6/core/bin/cli.js'), 'start', ...(options.ui ? [] : ['--no-ui'])], {
    cwd: ROOT,
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
    throw error
  }
  const context = await createContext(databaseUrl)

  return {
    url,
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
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
