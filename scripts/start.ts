// `npm start`: apply pending migrations, then serve the built app on HOST:PORT.
import 'dotenv/config'
import { applyPendingMigrations } from './lib/migrator'
import { migrationsDir } from './lib/migrationFiles'
import { assertBuiltFor, runKeystone } from './lib/keystoneCli'

const databaseUrl = process.env.DATABASE_URL || 'file:./keystone.db'

try {
  // before any migration: a build for the other provider must not leave the database migrated and the server down
  assertBuiltFor(databaseUrl)
  const applied = await applyPendingMigrations({ databaseUrl, migrationsDir, log: message => console.log(message) })
  console.log(applied.length ? `applied ${applied.length} migration(s)` : 'database is up to date')
  await runKeystone(['start'])
} catch (error) {
  console.error((error as Error).message)
  process.exit(1)
}
