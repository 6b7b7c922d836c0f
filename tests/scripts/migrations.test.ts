// The committed migrations and the lists agree: the datamodel Keystone generates for each
// provider equals the snapshot of the newest migration, and replaying every SQLite migration
// into an empty database gives exactly the schema the lists describe.
import '../helpers/env'
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { renderDatamodels } from '../../scripts/lib/datamodels'
import { migrationsDir, normalizeDatamodel, readSnapshot } from '../../scripts/lib/migrationFiles'
import { applyPendingMigrations } from '../../scripts/lib/migrator'
import { diffDatabaseToDatamodel } from '../../scripts/lib/schemaEngine'

test('each provider\'s datamodel equals the snapshot of its newest migration (run `npm run migration:create -- name` when not)', async () => {
  const datamodels = await renderDatamodels()
  for (const provider of ['sqlite', 'postgresql'] as const) {
    const snapshot = readSnapshot(provider)
    assert.ok(snapshot, `migrations/${provider}/datamodel.prisma is missing`)
    assert.equal(normalizeDatamodel(datamodels[provider]), normalizeDatamodel(snapshot), `${provider}: the lists changed without a migration`)
  }
})

test('replaying the SQLite migrations into an empty database leaves nothing to change', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'identity-migrations-'))
  try {
    const databaseUrl = `file:${path.join(dir, 'replay.db')}`
    await applyPendingMigrations({ databaseUrl, migrationsDir })
    const { sqlite } = await renderDatamodels()
    assert.equal((await diffDatabaseToDatamodel({ databaseUrl, datamodel: sqlite })).trim(), '')
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})
