// Prisma's schema engine in WebAssembly: loading it without a native binary, and asking it for migration SQL.
import { readFile } from 'node:fs/promises'
import * as bg from '@prisma/schema-engine-wasm/schema_engine_bg'
import type { DiffTarget, SchemaEngine } from '@prisma/schema-engine-wasm/schema_engine_bg'
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3'
import { PrismaPg } from '@prisma/adapter-pg'
import {
  ColumnTypeEnum,
  bindMigrationAwareSqlAdapterFactory,
  type SqlDriverAdapter,
  type SqlMigrationAwareDriverAdapterFactory,
  type SqlQuery,
  type SqlResultSet,
} from '@prisma/driver-adapter-utils'
import { schemaEngineWasmPath } from './prismaEnv'

export type Provider = 'sqlite' | 'postgresql'

export class SchemaEngineError extends Error {
  readonly code: string | undefined

  constructor(message: string, code?: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'SchemaEngineError'
    this.code = code
  }
}

/**
 * Give the SQL script that takes a database from datamodel `from` (null: an empty database) to `to`,
 * or '' when they need no change. The engine insists on a connection at start-up, so `databaseUrl`
 * names one: SQLite defaults to an in-memory database, and PostgreSQL without one gets an offline
 * stand-in, since comparing two datamodels never reads the database.
 */
export async function diffDatamodels(options: {
  provider: Provider
  from: string | null
  to: string
  databaseUrl?: string
}): Promise<string> {
  const { provider, from, to, databaseUrl } = options
  // the engine would otherwise diff a postgresql datamodel over a SQLite connection without a word
  for (const datamodel of from === null ? [to] : [from, to]) assertProvider(datamodel, provider)
  return withEngine(provider, databaseUrl, to, `diffing two ${provider} datamodels`, engine =>
    diff(engine, from === null ? { tag: 'empty' } : datamodelTarget(from), datamodelTarget(to), []),
  )
}

/**
 * Give the SQL script that takes the live SQLite database at `databaseUrl` to `datamodel`, or ''
 * when they agree. Our bookkeeping table `_app_migrations` is left out of the comparison.
 */
export async function diffDatabaseToDatamodel(options: { databaseUrl: string; datamodel: string }): Promise<string> {
  const { databaseUrl, datamodel } = options
  if (!databaseUrl.startsWith('file:')) {
    // adapter-pg 7.10 cannot read the catalog queries' "char" columns, so live Postgres is out of reach
    throw new SchemaEngineError(
      'diffDatabaseToDatamodel supports SQLite (file:) URLs only: @prisma/adapter-pg ' +
        'fails on Postgres\'s "char" type ("Column type \'char\' could not be deserialized")',
    )
  }
  // `{ tag: 'url' }` is refused ("--from-url and --to-url flags are no longer supported"); with a
  // driver adapter, `schemaDatasource` is the target that introspects the adapter's database
  assertProvider(datamodel, 'sqlite')
  const live: DiffTarget = {
    tag: 'schemaDatasource',
    files: [{ path: 'schema.prisma', content: datamodel }],
    configDir: process.cwd(),
  }
  const drift = await withEngine('sqlite', databaseUrl, datamodel, 'diffing the live SQLite database', engine =>
    diff(engine, live, datamodelTarget(datamodel), EXTERNAL_TABLES),
  )
  // the engine has no filter for indexes: the hand-written ones are taken out of its answer by name
  const kept = drift
    .split(/\n(?=-- )/)
    .filter(step => !HAND_WRITTEN_INDEXES.some(name => step.trim() === `-- DropIndex\nDROP INDEX "${name}";`))
  return kept.some(step => step.trim() !== '') ? kept.join('\n') : ''
}

let wasmLoaded: Promise<void> | undefined

function loadWasm(): Promise<void> {
  // the package's default entry imports the .wasm as an ES module, which Node 20 refuses, so it is
  // instantiated by hand, once: the JS glue module holds a single instance
  wasmLoaded ??= (async () => {
    const bytes = await readFile(schemaEngineWasmPath())
    const { instance } = await WebAssembly.instantiate(bytes, {
      './schema_engine_bg.js': bg as unknown as WebAssembly.ModuleImports,
    })
    bg.__wbg_set_wasm(instance.exports)
    // the default entry calls this too: it seeds the externref table the glue uses to pass JS values in
    const start = (instance.exports as { __wbindgen_start?: () => void }).__wbindgen_start
    start?.()
  })()
  // a failed load (say, a missing file) may be retried rather than cached
  wasmLoaded.catch(() => {
    wasmLoaded = undefined
  })
  return wasmLoaded
}

async function withEngine<T>(
  provider: Provider,
  databaseUrl: string | undefined,
  datamodel: string,
  doing: string,
  run: (engine: SchemaEngine) => Promise<T>,
): Promise<T> {
  await loadWasm()
  const factory = new ClosingFactory(adapterFactory(provider, databaseUrl))
  let engine: SchemaEngine | undefined
  try {
    engine = await bg.SchemaEngine.new(
      { datamodels: [['schema.prisma', datamodel]] },
      (line: string) => {
        if (process.env.DEBUG?.includes('schema-engine')) process.stderr.write(line)
      },
      bindMigrationAwareSqlAdapterFactory(factory),
    )
    return await run(engine)
  } catch (error) {
    throw readableError(doing, error, factory.inner)
  } finally {
    engine?.free()
    await factory.closeAll()
  }
}

// tables the app manages itself, which a live-database diff must not offer to drop (SQLite names
// them bare; Postgres would want "schema.table", but its live schema cannot be read anyway): the
// migrator's bookkeeping, and the FTS5 search index of users with its shadow tables
// (migrations/sqlite/*_user_search_index; tests/scripts/migrations.test.ts checks it is there)
export const EXTERNAL_TABLES = [
  '_app_migrations',
  'UserSearch',
  'UserSearch_config',
  'UserSearch_data',
  'UserSearch_idx',
]
// indexes of modelled tables that Prisma does not model, written by hand in migrations/sqlite (the
// listing order of customers and staffUsers, with id to break ties); the migrations test checks they exist
export const HAND_WRITTEN_INDEXES = ['User_isStaff_dateJoined_id_idx']

async function diff(engine: SchemaEngine, from: DiffTarget, to: DiffTarget, externalTables: string[]): Promise<string> {
  const result = await engine.diff({
    from,
    to,
    script: true,
    // with exitCode the engine tells "no difference" (0) from "a difference" (2), so we need not
    // recognise its "-- This is an empty migration." placeholder
    exitCode: true,
    filters: { externalTables, externalEnums: [] },
  })
  return result.exitCode === 0 ? '' : (result.stdout ?? '')
}

function assertProvider(datamodel: string, provider: Provider): void {
  const datasource = /^\s*datasource\s+\w+\s*\{([^}]*)\}/m.exec(datamodel)
  const declared = datasource && /^\s*provider\s*=\s*"([^"]*)"/m.exec(datasource[1] ?? '')?.[1]
  if (declared !== provider) {
    throw new SchemaEngineError(
      `expected a ${provider} datamodel, got one whose datasource provider is ${declared ? `"${declared}"` : 'missing'}`,
    )
  }
}

function datamodelTarget(content: string): DiffTarget {
  return { tag: 'schemaDatamodel', files: [{ path: 'schema.prisma', content }] }
}

function adapterFactory(provider: Provider, databaseUrl: string | undefined): SqlMigrationAwareDriverAdapterFactory {
  if (provider === 'sqlite') return new PrismaBetterSqlite3({ url: sqliteFilename(databaseUrl ?? ':memory:') })
  if (databaseUrl === undefined) return new OfflinePostgresFactory()
  return new PrismaPg({ connectionString: databaseUrl })
}

function sqliteFilename(databaseUrl: string): string {
  return databaseUrl.startsWith('file:') ? databaseUrl.slice('file:'.length).replace(/\?.*$/, '') : databaseUrl
}

function readableError(doing: string, error: unknown, inner: SqlMigrationAwareDriverAdapterFactory): SchemaEngineError {
  if (inner instanceof OfflinePostgresFactory && inner.refused !== undefined) {
    return new SchemaEngineError(
      `Prisma schema engine needs a live PostgreSQL server while ${doing} ` +
        `(it asked for: ${inner.refused}); pass databaseUrl`,
      undefined,
      { cause: error },
    )
  }
  const raw = error instanceof Error ? error.message : typeof error === 'string' ? error : String(JSON.stringify(error))
  // engine errors append a Rust backtrace ("   0: schema_engine_wasm::...") to the message
  const message = (raw.split(/\n\s+0: /)[0] ?? raw).trim()
  const code =
    typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string'
      ? error.code
      : undefined
  return new SchemaEngineError(
    `Prisma schema engine failed while ${doing}${code ? ` [${code}]` : ''}:\n${message}`,
    code,
    { cause: error },
  )
}

/** Hands the engine connections and closes them afterwards: freeing the engine does not, and an open pg pool keeps Node running. */
class ClosingFactory implements SqlMigrationAwareDriverAdapterFactory {
  readonly provider: SqlMigrationAwareDriverAdapterFactory['provider']
  readonly adapterName: string
  private readonly opened: SqlDriverAdapter[] = []

  constructor(readonly inner: SqlMigrationAwareDriverAdapterFactory) {
    this.provider = inner.provider
    this.adapterName = inner.adapterName
  }

  async connect(): Promise<SqlDriverAdapter> {
    return this.track(await this.inner.connect())
  }

  async connectToShadowDb(): Promise<SqlDriverAdapter> {
    return this.track(await this.inner.connectToShadowDb())
  }

  async closeAll(): Promise<void> {
    const adapters = this.opened.splice(0)
    // closing one twice can throw, and by now nothing depends on it
    await Promise.all(adapters.map(adapter => adapter.dispose().catch(() => undefined)))
  }

  private track(adapter: SqlDriverAdapter): SqlDriverAdapter {
    this.opened.push(adapter)
    return adapter
  }
}

/**
 * Stands in for a PostgreSQL connection when two datamodels are compared. The engine connects at
 * start-up only to read the server version and whether the schema exists; anything else is refused
 * loudly, so an engine that starts to need a real server says so instead of guessing.
 */
class OfflinePostgresFactory implements SqlMigrationAwareDriverAdapterFactory {
  readonly provider = 'postgres' as const
  readonly adapterName = 'offline-postgres-diff'
  refused: string | undefined

  connect(): Promise<SqlDriverAdapter> {
    return Promise.resolve(this.adapter())
  }

  connectToShadowDb(): Promise<SqlDriverAdapter> {
    return Promise.resolve(this.adapter())
  }

  private adapter(): SqlDriverAdapter {
    const refuse = (what: string): Promise<never> => {
      this.refused = what
      return Promise.reject(new Error(`offline stand-in for PostgreSQL cannot run ${what}`))
    }
    const queryRaw = (query: SqlQuery): Promise<SqlResultSet> => {
      if (/^\s*SELECT EXISTS\(SELECT 1 FROM pg_namespace WHERE nspname = \$1\), version\(\)/i.test(query.sql)) {
        return Promise.resolve({
          columnNames: ['exists', 'version', 'numeric_version'],
          columnTypes: [ColumnTypeEnum.Boolean, ColumnTypeEnum.Text, ColumnTypeEnum.Int32],
          // PostgreSQL 15 is what this project installs and tests against
          rows: [[true, 'PostgreSQL 15.0 (offline stand-in)', 150000]],
        })
      }
      return refuse(`the query ${query.sql.slice(0, 200)}`)
    }
    return {
      provider: 'postgres',
      adapterName: this.adapterName,
      queryRaw,
      executeRaw: query => refuse(`the statement ${query.sql.slice(0, 200)}`),
      executeScript: () => refuse('a script'),
      startTransaction: () => refuse('a transaction'),
      getConnectionInfo: () => ({ supportsRelationJoins: true }),
      dispose: () => Promise.resolve(),
    }
  }
}
