// The committed migrations and the lists agree: the datamodel Keystone generates for each
// provider equals the snapshot of the newest migration, and replaying every SQLite migration
// into an empty database gives exactly the schema the lists describe, plus the hand-written
// search index of users (an FTS5 table Prisma does not model) and the triggers that keep it.
import '../helpers/env'
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import Database from 'better-sqlite3'
import path from 'node:path'
import { renderDatamodels } from '../../scripts/lib/datamodels'
import { migrationsDir, normalizeDatamodel, readSnapshot } from '../../scripts/lib/migrationFiles'
import { applyPendingMigrations } from '../../scripts/lib/migrator'
import { diffDatabaseToDatamodel } from '../../scripts/lib/schemaEngine'

test("each provider's datamodel equals the snapshot of its newest migration (run `npm run migration:create -- name` when not)", async () => {
  const datamodels = await renderDatamodels()
  for (const provider of ['sqlite', 'postgresql'] as const) {
    const snapshot = readSnapshot(provider)
    assert.ok(snapshot, `migrations/${provider}/datamodel.prisma is missing`)
    assert.equal(
      normalizeDatamodel(datamodels[provider]),
      normalizeDatamodel(snapshot),
      `${provider}: the lists changed without a migration`,
    )
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

test("replaying the SQLite migrations leaves the users' FTS5 search index, the triggers that keep it on every write, and the listing index", async () => {
  // given
  const dir = mkdtempSync(path.join(os.tmpdir(), 'identity-migrations-'))
  try {
    const databaseUrl = `file:${path.join(dir, 'replay.db')}`

    // when
    await applyPendingMigrations({ databaseUrl, migrationsDir })

    // then: a later migration that rebuilds "User" (Prisma copies and drops the table) drops these
    // triggers with it, and must create them again
    const db = new Database(path.join(dir, 'replay.db'))
    try {
      const objects = db
        .prepare(
          "SELECT type, name FROM sqlite_master WHERE name LIKE 'User_search_%' OR name IN ('UserSearch', 'User_isStaff_dateJoined_id_idx') ORDER BY name",
        )
        .all()
      assert.deepEqual(objects, [
        { type: 'table', name: 'UserSearch' },
        { type: 'index', name: 'User_isStaff_dateJoined_id_idx' },
        { type: 'trigger', name: 'User_search_delete' },
        { type: 'trigger', name: 'User_search_insert' },
        { type: 'trigger', name: 'User_search_update' },
      ])
      db.prepare(
        "INSERT INTO \"User\" (id, email, note, \"searchDocument\") VALUES ('u1', 'ada@example.com', '[]', 'ada@example.com\nlovelace\n')",
      ).run()
      const found = () =>
        db
          .prepare(
            'SELECT "User".id FROM "UserSearch" JOIN "User" ON "User".rowid = "UserSearch".rowid WHERE "UserSearch" MATCH ?',
          )
          .all('"lovelace"')
      assert.deepEqual(found(), [{ id: 'u1' }])
      db.prepare('UPDATE "User" SET "searchDocument" = \'ada@example.com\nbyron\n\' WHERE id = \'u1\'').run()
      assert.deepEqual(found(), [])
      // the index agrees with "User" row for row
      db.exec('INSERT INTO "UserSearch" ("UserSearch") VALUES (\'integrity-check\')')
    } finally {
      db.close()
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})
