// database.ts: on SQLite's single connection, a write outside a transaction never lands inside
// another request's open transaction (where a rollback would take it away).
import '../helpers/env'
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { applyPendingMigrations } from '../../scripts/lib/migrator'
import { migrationsDir } from '../../scripts/lib/migrationFiles'
import { createContext } from '../../scripts/lib/context'

test("a write made while another transaction is open survives that transaction's rollback", async () => {
  // given
  const dir = mkdtempSync(path.join(os.tmpdir(), 'identity-db-'))
  const databaseUrl = `file:${path.join(dir, 'db.sqlite')}`
  await applyPendingMigrations({ databaseUrl, migrationsDir })
  const context = await createContext(databaseUrl)
  let transactionOpen!: () => void
  const opened = new Promise<void>(resolve => {
    transactionOpen = resolve
  })
  try {
    // when: a transaction writes, stays open while an outside write is issued, then rolls back
    const rolledBack = context
      .transaction(async tx => {
        await tx.prisma.channel.create({ data: { name: 'inside', slug: 'inside', defaultCountry: 'US' } })
        transactionOpen()
        await new Promise(resolve => setTimeout(resolve, 200))
        throw new Error('roll back')
      })
      .catch(error => error)
    await opened
    // .then starts it now: Prisma queries are lazy until awaited
    const outside = context.prisma.channel
      .create({ data: { name: 'outside', slug: 'outside', defaultCountry: 'US' } })
      .then(channel => channel)
    assert.match(String(await rolledBack), /roll back/)
    await outside
    // then
    const slugs = (await context.prisma.channel.findMany()).map(c => c.slug)
    assert.deepEqual(slugs, ['outside'])
  } finally {
    await context.prisma.$disconnect()
    rmSync(dir, { recursive: true, force: true })
  }
})

// The tests' own context writes beside a server process. A transaction that reads and then writes
// is refused at once (SQLITE_BUSY_SNAPSHOT) when another connection committed between the two,
// unless it took the write lock at BEGIN (immediateTransactions), when the other writer waits instead.
for (const immediateTransactions of [true, false]) {
  test(`a transaction that reads, then writes while another connection tries to write: ${immediateTransactions ? 'commits (immediate)' : 'is refused (deferred)'}`, async () => {
    // given: a database, a context on it, and another connection (another process, as a server is)
    const dir = mkdtempSync(path.join(os.tmpdir(), 'identity-db-'))
    const databaseUrl = `file:${path.join(dir, 'db.sqlite')}`
    await applyPendingMigrations({ databaseUrl, migrationsDir })
    const context = await createContext(databaseUrl, { immediateTransactions })
    const { default: Database } = await import('better-sqlite3')
    const other = new Database(path.join(dir, 'db.sqlite'))
    other.pragma('busy_timeout = 50')
    let otherWrote: boolean | undefined
    try {
      // when: the transaction reads, the other connection writes, then the transaction writes
      const outcome = await context
        .transaction(async tx => {
          await tx.prisma.channel.count()
          try {
            other
              .prepare(
                `INSERT INTO "Channel" ("id", "name", "slug", "defaultCountry") VALUES ('c2', 'other', 'other', 'US')`,
              )
              .run()
            otherWrote = true
          } catch {
            otherWrote = false
          }
          await tx.prisma.channel.create({ data: { name: 'mine', slug: 'mine', defaultCountry: 'US' } })
          return 'committed'
        })
        .catch((error: Error) => `refused: ${error.message}`)
      // then
      if (immediateTransactions) {
        assert.equal(outcome, 'committed')
        assert.equal(otherWrote, false, 'the other connection waited for the lock the transaction took at BEGIN')
      } else {
        assert.equal(otherWrote, true)
        assert.match(outcome, /^refused/)
      }
    } finally {
      other.close()
      await context.prisma.$disconnect()
      rmSync(dir, { recursive: true, force: true })
    }
  })
}
