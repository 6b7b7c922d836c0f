// Applies the committed migration.sql files to a database, each once and in order, and refuses to go on
// when the history on disk and the one recorded in the database disagree.
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'
import pg from 'pg'
import type { Provider } from './schemaEngine'

export type MigrateLog = (message: string) => void

export type MigrationFile = {
  name: string
  file: string
  sql: string
  checksum: string
}

type AppliedMigration = { name: string; checksum: string }

export class MigrationError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'MigrationError'
  }
}

const TABLE = '_app_migrations'
const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS ${TABLE} (name TEXT PRIMARY KEY, checksum TEXT NOT NULL, applied_at TEXT NOT NULL)`

// advisory locks are per database, so one fixed key serialises exactly the processes migrating this one
const PG_LOCK_KEY = 7_310_415_862

export function providerOf(databaseUrl: string): Provider {
  if (databaseUrl.startsWith('file:')) return 'sqlite'
  if (/^postgres(ql)?:\/\//.test(databaseUrl)) return 'postgresql'
  throw new MigrationError(
    `DATABASE_URL must start with file: (SQLite) or postgres:// / postgresql:// (PostgreSQL), got "${redact(databaseUrl)}"`,
  )
}

/** Give the SQLite file a `file:` URL names, relative paths resolved from the working directory. */
export function sqlitePathOf(databaseUrl: string): string {
  if (providerOf(databaseUrl) !== 'sqlite') throw new MigrationError(`not a SQLite URL: ${redact(databaseUrl)}`)
  if (databaseUrl.startsWith('file://')) return fileURLToPath(databaseUrl.replace(/\?.*$/, ''))
  const file = decodeURIComponent(databaseUrl.slice('file:'.length).replace(/\?.*$/, ''))
  if (file === '' || file === ':memory:')
    throw new MigrationError('an in-memory SQLite database cannot be migrated: it would vanish on close')
  return path.resolve(process.cwd(), file)
}

/** Read `<migrationsDir>/<provider>/<name>/migration.sql` in name order. */
export function readMigrationFiles(migrationsDir: string, provider: Provider): MigrationFile[] {
  const dir = path.join(migrationsDir, provider)
  if (!existsSync(dir)) return []
  return readdirSync(dir, { withFileTypes: true })
    .filter(entry => entry.isDirectory() && existsSync(path.join(dir, entry.name, 'migration.sql')))
    .map(entry => entry.name)
    .sort(compareNames)
    .map(name => {
      const file = path.join(dir, name, 'migration.sql')
      const sql = readFileSync(file, 'utf8')
      return { name, file, sql, checksum: checksumOf(sql) }
    })
}

/**
 * Name the migrations not yet applied to the database, checking the recorded history first.
 * Reads only: a missing SQLite file or bookkeeping table means nothing has been applied.
 */
export async function pendingMigrations(options: { databaseUrl: string; migrationsDir: string }): Promise<string[]> {
  const { databaseUrl, migrationsDir } = options
  const provider = providerOf(databaseUrl)
  const files = readMigrationFiles(migrationsDir, provider)
  const applied = provider === 'sqlite' ? readAppliedSqlite(databaseUrl) : await readAppliedPostgres(databaseUrl)
  return unapplied(provider, files, applied, migrationsDir).map(file => file.name)
}

/** Apply every pending migration, each in its own transaction, and give the names applied. */
export async function applyPendingMigrations(options: {
  databaseUrl: string
  migrationsDir: string
  log?: MigrateLog
}): Promise<string[]> {
  const { databaseUrl, migrationsDir, log = () => {} } = options
  const provider = providerOf(databaseUrl)
  const files = readMigrationFiles(migrationsDir, provider)
  return provider === 'sqlite'
    ? applySqlite(databaseUrl, migrationsDir, files, log)
    : applyPostgres(databaseUrl, migrationsDir, files, log)
}

function applySqlite(databaseUrl: string, migrationsDir: string, files: MigrationFile[], log: MigrateLog): string[] {
  const file = sqlitePathOf(databaseUrl)
  mkdirSync(path.dirname(file), { recursive: true })
  // a second process starting at the same time waits on the write lock instead of failing at once
  const db = new Database(file, { timeout: 30_000 })
  const done: string[] = []
  try {
    db.exec(CREATE_TABLE)
    const pending = unapplied('sqlite', files, readApplied(db), migrationsDir, log)
    // Prisma's SQLite scripts rebuild a table by copying it and dropping the old one. With foreign keys
    // on, that drop runs the children's ON DELETE actions (cascades, SET NULLs); the scripts' own
    // `PRAGMA foreign_keys=off` is a no-op inside a transaction, so it is switched off out here and
    // the keys are checked before each commit instead.
    const foreignKeys = db.pragma('foreign_keys', { simple: true })
    db.pragma('foreign_keys = OFF')
    try {
      for (const migration of pending) {
        // IMMEDIATE takes the write lock up front, so the "already applied?" answer holds until commit
        db.exec('BEGIN IMMEDIATE')
        try {
          const row = db.prepare(`SELECT checksum FROM ${TABLE} WHERE name = ?`).get(migration.name) as
            { checksum: string } | undefined
          if (row) {
            // another process applied it while we waited for the lock
            assertUnchanged(migration, row.checksum, migrationsDir)
            db.exec('COMMIT')
            continue
          }
          db.exec(migration.sql)
          const broken = db.pragma('foreign_key_check') as unknown[]
          if (broken.length > 0) {
            throw new Error(
              `it leaves ${broken.length} row(s) violating foreign keys, e.g. ${JSON.stringify(broken[0])}`,
            )
          }
          db.prepare(`INSERT INTO ${TABLE} (name, checksum, applied_at) VALUES (?, ?, ?)`).run(
            migration.name,
            migration.checksum,
            new Date().toISOString(),
          )
          db.exec('COMMIT')
        } catch (error) {
          if (db.inTransaction) db.exec('ROLLBACK')
          throw failed(migration, migrationsDir, error)
        }
        done.push(migration.name)
        log(`applied ${migration.name}`)
      }
    } finally {
      db.pragma(`foreign_keys = ${foreignKeys ? 'ON' : 'OFF'}`)
    }
  } finally {
    db.close()
  }
  return done
}

async function applyPostgres(
  databaseUrl: string,
  migrationsDir: string,
  files: MigrationFile[],
  log: MigrateLog,
): Promise<string[]> {
  const client = await connectPostgres(databaseUrl, { createSchema: true })
  const done: string[] = []
  try {
    // session-level lock: a second process starting at the same time waits here, then finds nothing to do
    await client.query('SELECT pg_advisory_lock($1)', [PG_LOCK_KEY])
    try {
      await client.query(CREATE_TABLE)
      const applied = (await client.query<AppliedMigration>(`SELECT name, checksum FROM ${TABLE}`)).rows
      for (const migration of unapplied('postgresql', files, applied, migrationsDir, log)) {
        await client.query('BEGIN')
        try {
          await client.query(migration.sql)
          await client.query(`INSERT INTO ${TABLE} (name, checksum, applied_at) VALUES ($1, $2, $3)`, [
            migration.name,
            migration.checksum,
            new Date().toISOString(),
          ])
          await client.query('COMMIT')
        } catch (error) {
          await client.query('ROLLBACK').catch(() => undefined)
          throw failed(migration, migrationsDir, error)
        }
        done.push(migration.name)
        log(`applied ${migration.name}`)
      }
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [PG_LOCK_KEY]).catch(() => undefined)
    }
  } finally {
    await client.end()
  }
  return done
}

function readAppliedSqlite(databaseUrl: string): AppliedMigration[] {
  const file = sqlitePathOf(databaseUrl)
  if (!existsSync(file)) return []
  const db = new Database(file, { readonly: true, fileMustExist: true })
  try {
    return readApplied(db)
  } finally {
    db.close()
  }
}

function readApplied(db: Database.Database): AppliedMigration[] {
  const table = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(TABLE)
  if (!table) return []
  return db.prepare(`SELECT name, checksum FROM ${TABLE}`).all() as AppliedMigration[]
}

async function readAppliedPostgres(databaseUrl: string): Promise<AppliedMigration[]> {
  const client = await connectPostgres(databaseUrl, { createSchema: false })
  try {
    const exists = await client.query<{ table: string | null }>('SELECT to_regclass($1) AS table', [TABLE])
    if (exists.rows[0]?.table == null) return []
    return (await client.query<AppliedMigration>(`SELECT name, checksum FROM ${TABLE}`)).rows
  } finally {
    await client.end()
  }
}

async function connectPostgres(databaseUrl: string, options: { createSchema: boolean }): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: databaseUrl })
  try {
    await client.connect()
    // Prisma's `?schema=` names the schema the app's tables live in; pg ignores it, so apply it here
    const schema = new URL(databaseUrl).searchParams.get('schema')
    if (schema) {
      if (options.createSchema) await client.query(`CREATE SCHEMA IF NOT EXISTS ${pg.escapeIdentifier(schema)}`)
      await client.query(`SET search_path TO ${pg.escapeIdentifier(schema)}`)
    }
    return client
  } catch (error) {
    await client.end().catch(() => undefined)
    throw new MigrationError(`cannot connect to ${redact(databaseUrl)}: ${messageOf(error)}`, { cause: error })
  }
}

/** Check the recorded history against the files, then give the files still to apply. */
function unapplied(
  provider: Provider,
  files: MigrationFile[],
  applied: AppliedMigration[],
  migrationsDir: string,
  log?: MigrateLog,
): MigrationFile[] {
  const byName = new Map(files.map(file => [file.name, file]))
  for (const row of applied) {
    const file = byName.get(row.name)
    if (!file) {
      const dir = path.join(path.basename(migrationsDir), provider)
      throw new MigrationError(
        `the database has migration ${row.name} applied, but ${dir}/${row.name}/migration.sql ` +
          'is missing: restore it, or run the code that migrated this database',
      )
    }
    assertUnchanged(file, row.checksum, migrationsDir)
  }
  const appliedNames = new Set(applied.map(row => row.name))
  const pending = files.filter(file => !appliedNames.has(file.name))
  const newestApplied = [...appliedNames].sort(compareNames).at(-1)
  for (const file of pending) {
    if (log && newestApplied !== undefined && compareNames(file.name, newestApplied) < 0) {
      // usually a branch merged with an older timestamp; applying it late is what Prisma does too
      log(`warning: ${file.name} sorts before the already-applied ${newestApplied}; applying it now`)
    }
  }
  return pending
}

function assertUnchanged(file: MigrationFile, recorded: string, migrationsDir: string): void {
  if (file.checksum === recorded) return
  throw new MigrationError(
    `${displayPath(file.file, migrationsDir)} was edited after it was applied to this database ` +
      `(checksum ${recorded.slice(0, 12)}… recorded, ${file.checksum.slice(0, 12)}… now). ` +
      'An applied migration is never edited: restore it and put the change in a new migration',
  )
}

function failed(migration: MigrationFile, migrationsDir: string, error: unknown): MigrationError {
  return new MigrationError(
    `${displayPath(migration.file, migrationsDir)} failed and was rolled back: ${messageOf(error)}`,
    { cause: error },
  )
}

function checksumOf(sql: string): string {
  // a checkout that turns LF into CRLF has not edited anything
  return createHash('sha256').update(sql.replace(/\r\n/g, '\n')).digest('hex')
}

function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

function displayPath(file: string, migrationsDir: string): string {
  return path.join(path.basename(migrationsDir), path.relative(migrationsDir, file))
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

function redact(databaseUrl: string): string {
  // keep passwords out of logs and CI output
  return databaseUrl.replace(/\/\/([^:/@]+):[^@/]*@/, '//$1:***@')
}
