// A throwaway PostgreSQL cluster of a test's own, for tests that stop and start the database
// server itself (which the shared TEST_DATABASE_URL server must never be): the approach of
// .ci/with-postgres, from Node. initdb into a temporary directory, served on a free loopback port
// with its socket in that directory; as root it runs as the `postgres` system user (PostgreSQL
// refuses to run as root). `postgresBinDir()` is undefined when no server binaries are installed.
import { execFileSync } from 'node:child_process'
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import pg from 'pg'
import { createServer } from 'node:net'

export type PostgresCluster = {
  port: number
  /** The URL of `database` on this cluster, as the superuser `postgres`. */
  url: (database?: string) => string
  start: () => void
  /** pg_ctl stop: `fast` ends the sessions and shuts down cleanly, `immediate` as a crash would. */
  stop: (mode?: 'fast' | 'immediate') => void
  createDatabase: (name: string) => Promise<string>
  /** Stop it and remove its directory. */
  destroy: () => void
}

/** The newest /usr/lib/postgresql/<version>/bin that holds initdb, or undefined. */
export function postgresBinDir(): string | undefined {
  const root = '/usr/lib/postgresql'
  if (!existsSync(root)) return undefined
  const versions = readdirSync(root)
    .filter(version => existsSync(path.join(root, version, 'bin', 'initdb')))
    .sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a))
  return versions[0] === undefined ? undefined : path.join(root, versions[0], 'bin')
}

const isRoot = process.getuid?.() === 0

// (not tests/helpers/server.ts's: importing that reads TEST_DATABASE_URL, which a test may set from this cluster)
function freePort(): Promise<number> {
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

function asOwner(command: string, args: string[]): string {
  const [file, argv] = isRoot ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args]
  return execFileSync(file, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
}

/** initdb and start a cluster on a free loopback port. */
export async function startPostgresCluster(binDir: string): Promise<PostgresCluster> {
  if (isRoot) {
    try {
      execFileSync('id', ['-u', 'postgres'], { stdio: 'ignore' })
    } catch {
      execFileSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres'])
    }
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pgfault-'))
  chmodSync(dir, 0o755)
  if (isRoot) execFileSync('chown', ['postgres', dir])
  const data = path.join(dir, 'data')
  const log = path.join(dir, 'server.log')
  const port = await freePort()
  const tail = () => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').slice(-20).join('\n') : '')
  // trust: this cluster listens on loopback and a socket directory of its own, for one test
  asOwner(path.join(binDir, 'initdb'), [
    '-D',
    data,
    '-U',
    'postgres',
    '--auth=trust',
    '--encoding=UTF8',
    '--locale=C.UTF-8',
  ])
  const options = `-k ${dir} -h 127.0.0.1 -p ${port} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=100`
  const cluster: PostgresCluster = {
    port,
    url: (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`,
    start() {
      try {
        asOwner(path.join(binDir, 'pg_ctl'), ['-D', data, '-l', log, '-w', '-t', '60', '-o', options, 'start'])
      } catch (error) {
        throw new Error(`pg_ctl start failed: ${(error as Error).message}\n${tail()}`)
      }
    },
    stop(mode = 'fast') {
      asOwner(path.join(binDir, 'pg_ctl'), ['-D', data, '-m', mode, '-w', '-t', '60', 'stop'])
    },
    async createDatabase(name) {
      const client = new pg.Client({ connectionString: cluster.url() })
      await client.connect()
      try {
        await client.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`)
      } finally {
        await client.end()
      }
      return cluster.url(name)
    },
    destroy() {
      try {
        cluster.stop('immediate')
      } catch {}
      rmSync(dir, { recursive: true, force: true })
    },
  }
  cluster.start()
  return cluster
}
