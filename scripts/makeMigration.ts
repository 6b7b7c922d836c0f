// Writes a migration for each database provider whose committed datamodel snapshot lags behind keystone.ts.
// Usage: tsx scripts/makeMigration.ts [name] [--check] [--if-needed]
//   name         folder suffix, snake_cased (default "auto")
//   --check      write nothing; exit 1 if a migration is missing (what CI and the tests run)
//   --if-needed  exit 0 without a word when nothing changed
// Exits 2 on errors, so CI can tell a broken tool from a missing migration.
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { renderDatamodels } from './lib/datamodels'
import {
  PROVIDERS,
  migrationsDir,
  planMigration,
  providerDir,
  readSnapshot,
  relative,
  writeMigration,
  writeSnapshot,
} from './lib/migrationFiles'
import { applyPendingMigrations } from './lib/migrator'
import { diffDatabaseToDatamodel } from './lib/schemaEngine'

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      check: { type: 'boolean', default: false },
      'if-needed': { type: 'boolean', default: false },
    },
  })
  if (positionals.length > 1) throw new Error(`expected at most one migration name, got: ${positionals.join(' ')}`)
  const name = positionals[0] ?? 'auto'

  const datamodels = await renderDatamodels()
  const plans = await Promise.all(
    PROVIDERS.map(async provider => ({
      provider,
      ...(await planMigration({ provider, datamodel: datamodels[provider] })),
    })),
  )
  const changed = plans.filter(plan => plan.changed)

  if (values.check) {
    for (const plan of changed) {
      console.error(
        `${relative(providerDir(plan.provider))}/datamodel.prisma does not match keystone.ts; ` +
          (plan.sql ? `the missing ${plan.provider} migration would run:\n${indent(plan.sql)}` : 'no SQL would change'),
      )
    }
    const replayProblem = changed.length === 0 ? await replaySqliteMigrations() : undefined
    if (replayProblem) console.error(replayProblem)
    if (changed.length > 0 || replayProblem) {
      if (changed.length > 0) console.error('Run `npm run migration:create -- <name>` and commit the result.')
      return 1
    }
    console.log('migrations are up to date with keystone.ts')
    return 0
  }

  if (changed.length === 0) {
    if (!values['if-needed']) console.log('keystone.ts matches the committed migrations: nothing to write')
    return 0
  }
  for (const plan of changed) {
    if (plan.sql === '') {
      // e.g. a relation renamed on the Prisma side only: the snapshot moves on, the database needs nothing
      writeSnapshot(plan.provider, datamodels[plan.provider])
      console.log(
        `updated ${relative(providerDir(plan.provider))}/datamodel.prisma (no SQL change for ${plan.provider})`,
      )
      continue
    }
    const folder = writeMigration({
      provider: plan.provider,
      name,
      sql: plan.sql,
      datamodel: datamodels[plan.provider],
    })
    console.log(`wrote ${relative(path.join(folder, 'migration.sql'))}:\n${indent(plan.sql)}`)
  }
  return 0
}

/**
 * Replay the committed SQLite migrations into a scratch database and compare it with the snapshot,
 * which catches a migration.sql edited by hand (or a snapshot edited without one). PostgreSQL has no
 * such check: its live schema cannot be read through adapter-pg.
 */
async function replaySqliteMigrations(): Promise<string | undefined> {
  const snapshot = readSnapshot('sqlite')
  if (snapshot === null) return undefined
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'migration-check-'))
  try {
    const databaseUrl = `file:${path.join(scratch, 'replay.db')}`
    await applyPendingMigrations({ databaseUrl, migrationsDir })
    const drift = await diffDatabaseToDatamodel({ databaseUrl, datamodel: snapshot })
    if (drift === '') return undefined
    return (
      `replaying ${relative(providerDir('sqlite'))}/*/migration.sql does not give ` +
      `${relative(providerDir('sqlite'))}/datamodel.prisma; to reach it the database would still need:\n${indent(drift)}`
    )
  } finally {
    rmSync(scratch, { recursive: true, force: true })
  }
}

function indent(sql: string): string {
  return sql
    .trimEnd()
    .split('\n')
    .map(line => `    ${line}`)
    .join('\n')
}

main().then(
  code => {
    process.exitCode = code
  },
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error)
    process.exitCode = 2
  },
)
