// The database adapter of each provider, for the server, scripts and tests alike.
//
// SQLite runs on one better-sqlite3 connection. Prisma's adapter orders transactions against
// each other, but a statement issued outside any transaction while another request's
// transaction is open would run inside it: it would see uncommitted rows and vanish if that
// transaction rolled back. So here every statement outside a transaction waits until no
// transaction is open, and WAL lets other processes (scripts, tests) read while we write. The
// hot statements (services/kernel/sql.ts: hotQuery) run on that same connection in the same
// turns, but straight on the driver, each prepared once (sqliteQueryOf).
//
// PostgreSQL runs on one pg pool per database and process, shared by Prisma and by the
// statements that skip Prisma's query layer: the session read on every authenticated request
// (services/identity/sessions.ts), a prepared statement on the pool, at about a third of the cost.
//
// Both keep a request's time budget (services/kernel/requestBudget.ts): once it is spent no
// statement starts and no transaction commits (its COMMIT becomes a ROLLBACK), so a request cut
// by the budget leaves nothing half-written. On PostgreSQL a statement still running when the
// budget runs out is cancelled (statement_timeout: the server's pool caps every statement at the
// budget, and each transaction a request opens at what is left of it). SQLite cannot interrupt a
// statement: the request bounds (server/graphqlLimits.ts) keep each one small before it starts.
import path from 'node:path'
import pg from 'pg'
import type { SqlDriverAdapter, SqlDriverAdapterFactory, SqlQuery, Transaction } from '@prisma/driver-adapter-utils'
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3'
import { PrismaPg } from '@prisma/adapter-pg'
import { assertWithinBudget, budgetLeftMs } from './services/kernel/requestBudget'

export type Provider = 'sqlite' | 'postgresql'

export function providerOf(databaseUrl: string): Provider {
  return /^postgres(ql)?:\/\//.test(databaseUrl) ? 'postgresql' : 'sqlite'
}

export type DatabaseOptions = {
  // PostgreSQL: no statement on the pool runs longer (the server's request budget); unset for
  // scripts, whose bulk statements (the seed's) may take longer
  statementTimeoutMs?: number
  // what the layers above add to every Prisma client (keystone.ts: the search document's keeper)
  extendClient?: <T extends object>(client: T) => T
  // SQLite, for a second process that writes beside a server (the tests' own context): each
  // transaction takes the file's write lock at BEGIN (BEGIN IMMEDIATE), waiting its turn with the
  // busy timeout, instead of at its first write, where a transaction that read before another
  // process committed is refused at once (SQLITE_BUSY_SNAPSHOT: no timeout waits that out); and
  // every client of this process on the file takes turns with the others, so that none waits for
  // the lock synchronously while another holds it across an await. Not for the server: the dev
  // script's second client shares its process with clients that take no such turns.
  immediateTransactions?: boolean
}

export function createAdapter(
  databaseUrl: string,
  options: DatabaseOptions = {},
  sqliteHandle: SqliteHandle = {},
): SqlDriverAdapterFactory {
  if (providerOf(databaseUrl) === 'postgresql')
    return withinRequestBudget(new PrismaPg(postgresPool(databaseUrl, options)), 'postgresql')
  // the budget is checked once a statement has its turn: the wait for it may have spent the budget
  return serializedSqlite(
    withinRequestBudget(new PrismaBetterSqlite3({ url: databaseUrl, timeout: 30_000 }), 'sqlite'),
    sqliteHandle,
    options.immediateTransactions ? databaseUrl : undefined,
  )
}

/** The `db` settings that put a Keystone config on `databaseUrl`. */
export function databaseSettings(databaseUrl: string, options: DatabaseOptions = {}) {
  return {
    // a change waits its turn rather than fail: scope changes queue on one advisory lock, and a
    // burst of writes queues on the pool's ten connections (Prisma's defaults: 2 s, then 5 s);
    // a request's own time budget (services/kernel/requestBudget.ts) still bounds what a caller waits
    prismaClientOptions: () => {
      const sqliteHandle: SqliteHandle = {}
      newestSqliteHandle = sqliteHandle
      return {
        adapter: createAdapter(databaseUrl, options, sqliteHandle),
        transactionOptions: { maxWait: 10_000, timeout: 15_000 },
      }
    },
    extendPrismaClient: <T extends object>(client: T): T => {
      const extended = options.extendClient ? options.extendClient(client) : client
      if (providerOf(databaseUrl) === 'postgresql') poolsOfClients.set(extended, postgresPool(databaseUrl, options))
      // Keystone builds a client as extendPrismaClient(new PrismaClient(prismaClientOptions())), in
      // one synchronous step: the newest handle is this client's connection
      else if (newestSqliteHandle) sqliteHandlesOfClients.set(extended, newestSqliteHandle)
      newestSqliteHandle = undefined
      return extended
    },
  }
}

const postgresPools = new Map<string, pg.Pool>()
const poolsOfClients = new WeakMap<object, pg.Pool>()

// one per database for the life of the process (the first caller's options hold); idle connections
// close after 10 s and never keep the process alive. Prisma's $disconnect leaves a pool it was given open.
function postgresPool(databaseUrl: string, options: DatabaseOptions = {}): pg.Pool {
  let pool = postgresPools.get(databaseUrl)
  if (!pool) {
    // a server that does not answer a connection attempt is a failed request after 10 s, not a hang
    pool = new pg.Pool({
      connectionString: databaseUrl,
      allowExitOnIdle: true,
      connectionTimeoutMillis: 10_000,
      // sent with each connection's startup: no round trip
      ...(options.statementTimeoutMs ? { statement_timeout: options.statementTimeoutMs } : {}),
    })
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

/** A statement run on SQLite straight on the driver: its rows (if any) as objects, integers as numbers. */
export type SqliteQuery = (sql: string, values: unknown[]) => Promise<Record<string, unknown>[]>

// the connection behind one Prisma client on SQLite, once Prisma has opened it
type SqliteHandle = { query?: SqliteQuery }

const sqliteHandlesOfClients = new WeakMap<object, SqliteHandle>()
let newestSqliteHandle: SqliteHandle | undefined

/**
 * A way to run a statement on the connection behind a Keystone context's root Prisma client on SQLite,
 * in its turn like every statement Prisma sends outside a transaction, but straight on the
 * driver (a statement prepared once per connection, no raw-query layer); undefined on PostgreSQL,
 * inside a transaction, and before Prisma has connected.
 */
export function sqliteQueryOf(prisma: object): SqliteQuery | undefined {
  return sqliteHandlesOfClients.get(prisma)?.query
}

const NO_ARGS = { args: [], argTypes: [] }
// what ends a transaction or a part of one: let through whatever the budget, or a connection
// would go back to the pool with its transaction open
const UNDOES = /^\s*(ROLLBACK|RELEASE)\b/i
const COMMITS = /^\s*COMMIT\b/i

/**
 * Keep the current request's time budget on every statement: none starts once it is spent, and a
 * transaction whose request spent it rolls back instead of committing. On PostgreSQL, each
 * transaction opened inside a request may run only as long as the budget has left.
 */
function withinRequestBudget(factory: SqlDriverAdapterFactory, provider: Provider): SqlDriverAdapterFactory {
  return {
    provider: factory.provider,
    adapterName: factory.adapterName,
    async connect(): Promise<SqlDriverAdapter> {
      const inner = await factory.connect()
      const adapter: SqlDriverAdapter = Object.create(inner)
      adapter.queryRaw = (query: SqlQuery) => {
        assertWithinBudget()
        return inner.queryRaw(query)
      }
      adapter.executeRaw = (query: SqlQuery) => {
        assertWithinBudget()
        return inner.executeRaw(query)
      }
      adapter.startTransaction = async isolationLevel => {
        assertWithinBudget()
        const transaction = await inner.startTransaction(isolationLevel)
        const left = budgetLeftMs()
        if (left !== undefined) {
          try {
            // waiting for a pool connection may have spent it
            assertWithinBudget()
            if (provider === 'postgresql')
              await transaction.executeRaw({ sql: `SET LOCAL statement_timeout = ${Math.ceil(left)}`, ...NO_ARGS })
          } catch (error) {
            await transaction.executeRaw({ sql: 'ROLLBACK', ...NO_ARGS }).catch(() => {})
            await transaction.rollback()
            throw error
          }
        }
        const tx: Transaction = Object.create(transaction)
        // the driver's own methods read private fields: called on the driver's object itself
        tx.commit = () => transaction.commit()
        tx.rollback = () => transaction.rollback()
        tx.queryRaw = (query: SqlQuery) => {
          assertWithinBudget()
          return transaction.queryRaw(query)
        }
        tx.executeRaw = async (query: SqlQuery) => {
          if (UNDOES.test(query.sql)) return transaction.executeRaw(query)
          if (COMMITS.test(query.sql)) {
            try {
              assertWithinBudget()
            } catch (error) {
              // Prisma releases the connection after a failed COMMIT without ending the transaction
              await transaction.executeRaw({ sql: 'ROLLBACK', ...NO_ARGS })
              throw error
            }
            return transaction.executeRaw(query)
          }
          assertWithinBudget()
          return transaction.executeRaw(query)
        }
        return tx
      }
      return adapter
    },
  }
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

// what of better-sqlite3 the direct reads use (the adapter's `client`)
type SqliteStatement = {
  reader: boolean
  all(...values: unknown[]): unknown[]
  run(...values: unknown[]): unknown
  safeIntegers(on: boolean): SqliteStatement
}
type SqliteDatabase = { prepare(sql: string): SqliteStatement }

// Prisma's adapter begins with a plain BEGIN on its connection: the same, IMMEDIATE (the statement
// it prepares is swapped while it starts, in the turn this client holds, so nothing else prepares meanwhile)
async function beginImmediate(
  inner: SqlDriverAdapter,
  isolationLevel: Parameters<SqlDriverAdapter['startTransaction']>[0],
): Promise<Transaction> {
  const database = (inner as unknown as { client?: SqliteDatabase }).client
  if (!database) return inner.startTransaction(isolationLevel)
  const prepare = database.prepare
  database.prepare = (sql: string) => prepare.call(database, sql === 'BEGIN' ? 'BEGIN IMMEDIATE' : sql)
  try {
    return await inner.startTransaction(isolationLevel)
  } finally {
    database.prepare = prepare
  }
}

// the turns of the clients that take the write lock at BEGIN, one queue per database file
const immediateTurns = new Map<string, ReturnType<typeof createMutex>>()

function immediateTurnsOf(databaseUrl: string): ReturnType<typeof createMutex> {
  const file = path.resolve(databaseUrl.replace(/^file:/, '').replace(/\?.*$/, ''))
  let turns = immediateTurns.get(file)
  if (!turns) immediateTurns.set(file, (turns = createMutex()))
  return turns
}

function serializedSqlite(
  factory: SqlDriverAdapterFactory,
  handle: SqliteHandle,
  // when given, transactions begin IMMEDIATE, in turns shared with this process's other such clients on the file
  immediateOn?: string,
): SqlDriverAdapterFactory {
  return {
    provider: factory.provider,
    adapterName: factory.adapterName,
    async connect(): Promise<SqlDriverAdapter> {
      const inner = await factory.connect()
      await inner.executeScript('PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 30000; PRAGMA synchronous = NORMAL;')
      const mutex = immediateOn ? immediateTurnsOf(immediateOn) : createMutex()
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
      // the direct statements (sqliteQueryOf): the same connection and the same turns, each one
      // prepared once; Prisma's adapter prepares every statement anew and maps each value twice
      const database = (inner as unknown as { client?: SqliteDatabase }).client
      if (database) {
        const statements = new Map<string, SqliteStatement>()
        // a driver's failure as the adapter reports it to Prisma (a busy file: SocketTimeout)
        const failed = (error: unknown): never => {
          const { onError } = inner as unknown as { onError?: (error: unknown) => never }
          if (onError) onError.call(inner, error)
          throw error
        }
        handle.query = (sql, values) =>
          alone(async () => {
            assertWithinBudget()
            try {
              let statement = statements.get(sql)
              if (!statement) {
                statement = database.prepare(sql).safeIntegers(false)
                statements.set(sql, statement)
              }
              if (statement.reader) return statement.all(...values) as Record<string, unknown>[]
              statement.run(...values)
              return []
            } catch (error) {
              return failed(error)
            }
          })
        adapter.dispose = async () => {
          handle.query = undefined
          statements.clear()
          return inner.dispose()
        }
      }
      adapter.startTransaction = async isolationLevel => {
        // the transaction holds the mutex from BEGIN until COMMIT or ROLLBACK
        const release = await mutex.acquire()
        let transaction: Transaction
        try {
          transaction = immediateOn
            ? await beginImmediate(inner, isolationLevel)
            : await inner.startTransaction(isolationLevel)
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
