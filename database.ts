// The database adapter of each provider, for the server, scripts and tests alike.
//
// SQLite runs on one better-sqlite3 connection. Prisma's adapter orders transactions against
// each other, but a statement issued outside any transaction while another request's
// transaction is open would run inside it: it would see uncommitted rows and vanish if that
// transaction rolled back. So here every statement outside a transaction waits until no
// transaction is open, and WAL lets other processes (scripts, tests) read while we write.
//
// PostgreSQL runs on one pg pool per database and process, shared by Prisma and by the one
// statement that skips Prisma's query layer: the session read on every authenticated request
// (services/identity/sessions.ts), a prepared statement on the pool, at about a third of the cost.
import pg from 'pg'
import type { SqlDriverAdapter, SqlDriverAdapterFactory, SqlQuery, Transaction } from '@prisma/driver-adapter-utils'
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3'
import { PrismaPg } from '@prisma/adapter-pg'

export type Provider = 'sqlite' | 'postgresql'

export function providerOf(databaseUrl: string): Provider {
  return /^postgres(ql)?:\/\//.test(databaseUrl) ? 'postgresql' : 'sqlite'
}

export function createAdapter(databaseUrl: string): SqlDriverAdapterFactory {
  if (providerOf(databaseUrl) === 'postgresql') return new PrismaPg(postgresPool(databaseUrl))
  return serializedSqlite(new PrismaBetterSqlite3({ url: databaseUrl, timeout: 30_000 }))
}

/** The `db` settings that put a Keystone config on `databaseUrl`. */
export function databaseSettings(databaseUrl: string) {
  return {
    // a change waits its turn rather than fail: scope changes queue on one advisory lock, and a
    // burst of writes queues on the pool's ten connections (Prisma's defaults: 2 s, then 5 s);
    // a request's own time budget (server/graphqlLimits.ts) still bounds what a caller waits
    prismaClientOptions: () => ({
      adapter: createAdapter(databaseUrl),
      transactionOptions: { maxWait: 10_000, timeout: 15_000 },
    }),
    extendPrismaClient: <T extends object>(client: T): T => {
      if (providerOf(databaseUrl) === 'postgresql') poolsOfClients.set(client, postgresPool(databaseUrl))
      return client
    },
  }
}

const postgresPools = new Map<string, pg.Pool>()
const poolsOfClients = new WeakMap<object, pg.Pool>()

// one per database for the life of the process; idle connections close after 10 s and never
// keep the process alive. Prisma's $disconnect leaves a pool it was given open.
function postgresPool(databaseUrl: string): pg.Pool {
  let pool = postgresPools.get(databaseUrl)
  if (!pool) {
    // a server that does not answer a connection attempt is a failed request after 10 s, not a hang
    pool = new pg.Pool({ connectionString: databaseUrl, allowExitOnIdle: true, connectionTimeoutMillis: 10_000 })
    // a connection the server ended while idle (a restart, DROP DATABASE … WITH (FORCE)) is
    // dropped from the pool and replaced on demand; it must not end the process
    pool.on('error', error => console.error(`postgresql: idle connection lost (${error.message})`))
    postgresPools.set(databaseUrl, pool)
  }
  return pool
}

/**
 * The pool behind a Keystone context's root Prisma client (`context.prisma` outside any
 * transaction), or undefined on SQLite and inside a transaction, whose own writes a pool
 * connection would not see.
 */
export function postgresPoolOf(prisma: object): pg.Pool | undefined {
  return poolsOfClients.get(prisma)
}

/** A promise chain used as a mutex: `acquire` resolves with the function that releases it. */
function createMutex() {
  let tail: Promise<void> = Promise.resolve()
  return {
    acquire(): Promise<() => void> {
      let release!: () => void
      const held = new Promise<void>(resolve => {
        release = resolve
      })
      const acquired = tail.then(() => release)
      tail = tail.then(() => held)
      return acquired
    },
  }
}

function serializedSqlite(factory: SqlDriverAdapterFactory): SqlDriverAdapterFactory {
  return {
    provider: factory.provider,
    adapterName: factory.adapterName,
    async connect(): Promise<SqlDriverAdapter> {
      const inner = await factory.connect()
      await inner.executeScript('PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 30000; PRAGMA synchronous = NORMAL;')
      const mutex = createMutex()
      const alone = async <T>(run: () => Promise<T>): Promise<T> => {
        const release = await mutex.acquire()
        try {
          return await run()
        } finally {
          release()
        }
      }
      const adapter: SqlDriverAdapter = Object.create(inner)
      adapter.queryRaw = (query: SqlQuery) => alone(() => inner.queryRaw(query))
      adapter.executeRaw = (query: SqlQuery) => alone(() => inner.executeRaw(query))
      adapter.executeScript = (script: string) => alone(() => inner.executeScript(script))
      adapter.startTransaction = async isolationLevel => {
        // the transaction holds the mutex from BEGIN until COMMIT or ROLLBACK
        const release = await mutex.acquire()
        let transaction: Transaction
        try {
          transaction = await inner.startTransaction(isolationLevel)
        } catch (error) {
          release()
          throw error
        }
        const tx: Transaction = Object.create(transaction)
        tx.commit = async () => {
          try {
            await transaction.commit()
          } finally {
            release()
          }
        }
        tx.rollback = async () => {
          try {
            await transaction.rollback()
          } finally {
            release()
          }
        }
        return tx
      }
      return adapter
    },
  }
}
