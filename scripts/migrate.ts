// Brings the database named by DATABASE_URL up to date with migrations/<provider>/, or with --status
// only lists what is pending. Usage: tsx scripts/migrate.ts [--status]
import 'dotenv/config'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { applyPendingMigrations, pendingMigrations } from './lib/migrator'

// resolved from this file, not the working directory, so it works from any folder; the schema engine
// is deliberately not imported, since this runs at every deploy and start
const migrationsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'migrations')

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { status: { type: 'boolean', default: false } } })
  const databaseUrl = process.env.DATABASE_URL || 'file:./keystone.db'

  if (values.status) {
    const pending = await pendingMigrations({ databaseUrl, migrationsDir })
    for (const name of pending) console.log(`pending ${name}`)
    if (pending.length === 0) console.log('database is up to date')
    return
  }
  const applied = await applyPendingMigrations({ databaseUrl, migrationsDir, log: message => console.log(message) })
  if (applied.length === 0) console.log('database is up to date')
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error)
  process.exitCode = 1
})
