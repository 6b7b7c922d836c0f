// services/kernel/sql.ts: hotQuery, the statements every authenticated request and every sign-in
// run outside Prisma's raw layer, still read what Prisma's own statements would: never another
// request's uncommitted write, and inside a transaction that transaction's own writes.
import '../../../helpers/env'
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { TEST_DATABASES, databaseSkipReason, startServer, type TestServer } from '../../../helpers/server'
import { makeCustomer } from '../../../helpers/factories'
import { hotQuery, someErrorInChain } from '../../../../services/kernel'
import type { Context } from '../../../../generated/keystone/types'

const FIRST_NAME = 'SELECT "firstName" FROM "User" WHERE "id" = ?'

async function firstNameOf(context: Context, id: string): Promise<string | undefined> {
  const rows = await hotQuery<{ firstName: string }>(context, 'hot-query-test-first-name', FIRST_NAME, [id])
  return rows[0]?.firstName
}

for (const database of TEST_DATABASES) {
  describe(`on ${database}`, { skip: databaseSkipReason(database) }, () => {
    let server: TestServer

    before(async () => {
      server = await startServer({ database })
    })
    after(async () => {
      await server?.stop()
    })

    test("a hot statement outside any transaction never reads another request's uncommitted write", async () => {
      // given a customer, and a transaction that renames them and then rolls back
      const customer = await makeCustomer(server.context, { firstName: 'Casey' })
      await firstNameOf(server.context, customer.id)
      let read: Promise<string | undefined> | undefined
      // when a hot statement starts while the rename is written but not committed
      await assert.rejects(
        server.context.prisma.$transaction(async tx => {
          await tx.user.update({ where: { id: customer.id }, data: { firstName: 'Uncommitted' } })
          read = firstNameOf(server.context, customer.id)
          await new Promise(resolve => setTimeout(resolve, 100))
          throw new Error('rolled back')
        }),
        /rolled back/,
      )
      // then it read the committed name
      assert.equal(await read, 'Casey')
    })

    test("inside a transaction a hot statement reads the transaction's own writes", async () => {
      // given
      const customer = await makeCustomer(server.context, { firstName: 'Casey' })
      // when
      const seen = await server.context.transaction(async tx => {
        await tx.prisma.user.update({ where: { id: customer.id }, data: { firstName: 'Renamed' } })
        return firstNameOf(tx as unknown as Context, customer.id)
      })
      // then
      assert.equal(seen, 'Renamed')
      assert.equal(await firstNameOf(server.context, customer.id), 'Renamed')
    })

    test("a failing hot statement reports the driver's failure as Prisma's statements do", async () => {
      // the kinds Prisma's adapters give (SocketTimeout: a busy SQLite file, which
      // server/databaseErrors.ts answers DATABASE_UNAVAILABLE), outside and inside a transaction alike
      const missingTable = (error: unknown) =>
        someErrorInChain(error, node => node.kind === 'TableDoesNotExist' || node.code === '42P01')
      const broken = 'SELECT * FROM "NoSuchTable" WHERE "id" = ?'
      // a connection open, as every request but a process's first finds it
      await server.context.prisma.user.count()
      await assert.rejects(hotQuery(server.context, 'hot-query-test-broken', broken, ['x']), missingTable)
      await assert.rejects(
        server.context.transaction(tx => hotQuery(tx as unknown as Context, 'hot-query-test-broken', broken, ['x'])),
        missingTable,
      )
    })

    test('a hot statement that returns no rows runs and gives none', async () => {
      // given
      const customer = await makeCustomer(server.context, { firstName: 'Casey' })
      // when
      const rows = await hotQuery(
        server.context,
        'hot-query-test-rename',
        'UPDATE "User" SET "firstName" = ? WHERE "id" = ?',
        ['Written', customer.id],
      )
      // then
      assert.deepEqual(rows, [])
      assert.equal(await firstNameOf(server.context, customer.id), 'Written')
    })
  })
}
