// Fresh, migrated test databases on either provider, for servers and for tests that only need a
// context. SQLite: a copy of a template file migrated once per suite run. PostgreSQL (with
// TEST_DATABASE_URL, a server whose user may create databases): a database of its own created
// from a template database migrated once, dropped afterwards. TEST_DATABASE=postgresql makes
// PostgreSQL the default of the run. Imports no Keystone config, so a test may set DATABASE_URL
// before its first import of keystone.ts.
import { createHash, randomBytes } from 'node:crypto'
import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import pg from 'pg'
import { applyPendingMigrations } from '../../scripts/lib/migrator'

export type TestDatabase = 'sqlite' | 'postgresql'

export const TEST_DATABASES: readonly TestDatabase[] = ['sqlite', 'postgresql']

export type CreatedDatabase = { database: TestDatabase; databaseUrl: string; drop: () => Promise<void> }

const ROOT = path.resolve(import.meta.dirname, '../..')
const MIGRATIONS_DIR = path.join(ROOT, 'migrations')

const POSTGRES_URL = process.env.TEST_DATABASE_URL || undefined

/** The database of a test that does not name one: TEST_DATABASE=postgresql, or SQLite. */
export const DEFAULT_DATABASE: TestDatabase = process.env.TEST_DATABASE === 'postgresql' ? 'postgresql' : 'sqlite'

/**
 * Why a test on `database` cannot run in this environment, or undefined when it can: pass it as
 * `{ skip: databaseSkipReason('postgresql') }` to `describe` or `test`.
 */
export function databaseSkipReason(database: TestDatabase): string | undefined {
  if (database === 'postgresql' && !POSTGRES_URL) {
    return 'no PostgreSQL configured: set TEST_DATABASE_URL=postgres://… (a user that may create databases), or run `.ci/with-postgres npm test`'
  }
  return undefined
}

/** A new database of its own on `database`, migrated to the newest migration; drop() removes it. */
export function createTestDatabase(database: TestDatabase = DEFAULT_DATABASE): Promise<CreatedDatabase> {
  return database === 'postgresql' ? createPostgresDatabase() : createSqliteDatabase()
}

export function requirePostgresUrl(): string {
  const reason = databaseSkipReason('postgresql')
  if (reason !== undefined || POSTGRES_URL === undefined) throw new Error(`a PostgreSQL test database: ${reason}`)
  return POSTGRES_URL
}

function migrationsFingerprint(dir: string): string {
  const hash = createHash('sha256')
  for (const name of readdirSync(dir).sort()) {
    const file = path.join(dir, name, 'migration.sql')
    if (existsSync(file)) hash.update(name).update(readFileSync(file))
  }
  return hash.digest('hex').slice(0, 16)
}

// migrating once per suite run and copying the file is far faster than replaying SQL per server
async function templateDatabase(): Promise<string> {
  const file = path.join(
    os.tmpdir(),
    `identity-template-${migrationsFingerprint(path.join(MIGRATIONS_DIR, 'sqlite'))}.db`,
  )
  if (!existsSync(file)) {
    // built aside and renamed into place: rename is atomic, so a test file starting at the same
    // moment copies either no template or a whole one, never a half-written or vanishing one
    const building = `${file}.${process.pid}.${Date.now()}.tmp`
    await applyPendingMigrations({ databaseUrl: `file:${building}`, migrationsDir: MIGRATIONS_DIR })
    renameSync(building, file)
  }
  return file
}

/** A fresh SQLite file copied from the template; its URL and the function that removes it. */
async function createSqliteDatabase(): Promise<CreatedDatabase> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'identity-test-'))
  const dbFile = path.join(dir, 'test.db')
  copyFileSync(await templateDatabase(), dbFile)
  return {
    database: 'sqlite',
    databaseUrl: `file:${dbFile}`,
    drop: async () => rmSync(dir, { recursive: true, force: true }),
  }
}

// one key for every test process on the server: template creation is serialised across them
const PG_TEMPLATE_LOCK = 7_310_415_863

function postgresUrlFor(database: string): string {
  const url = new URL(requirePostgresUrl())
  url.pathname = `/${database}`
  return url.toString()
}

async function withPostgresAdmin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
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
// which every test database is then created from (CREATE DATABASE … TEMPLATE copies files)
function postgresTemplateDatabase(): Promise<string> {
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

/** A database of its own created from the template; its URL and the function that drops it. */
async function createPostgresDatabase(): Promise<CreatedDatabase> {
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
    database: 'postgresql',
    databaseUrl: postgresUrlFor(name),
    drop: () =>
      withPostgresAdmin(async admin => {
        await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`)
      }),
  }
}
