// The search document under concurrent writes on PostgreSQL (READ COMMITTED): a transaction that
// changes one of a user's addresses while another's change of the same user's addresses is not yet
// committed must not write a document from before that change (found by review, issue 17). The
// keeper (services/users/searchDocumentKeeper.ts) locks the users' rows before it reads.
import '../../helpers/env'
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { databaseSkipReason, startServer, type TestServer } from '../../helpers/server'
import { makeAddress, makeCustomer } from '../../helpers/factories'

describe(
  'search documents under concurrent address writes on postgresql',
  { skip: databaseSkipReason('postgresql') },
  () => {
    let server: TestServer

    before(async () => {
      server = await startServer({ database: 'postgresql' })
    })
    after(async () => {
      await server?.stop()
    })

    test('a deleted address leaves its owner document though another address of the owner changed meanwhile', async () => {
      // given
      const customer = await makeCustomer(server.context)
      const id = String(customer.id)
      const gone = await makeAddress(server.context, id, { streetAddress1: 'deletedxqzstreet' })
      const kept = await makeAddress(server.context, id, { city: 'keptcity' })
      const prisma = server.context.prisma as any
      let release!: () => void
      const gate = new Promise<void>(resolve => (release = resolve))
      let deleted!: () => void
      const deletedNow = new Promise<void>(resolve => (deleted = resolve))

      // when: the delete is written, its document too, and held uncommitted while the update runs
      const first = prisma.$transaction(async (tx: any) => {
        await tx.address.delete({ where: { id: String(gone.id) } })
        deleted()
        await gate
      })
      await deletedNow
      const second = prisma.$transaction(async (tx: any) => {
        await tx.address.update({ where: { id: String(kept.id) }, data: { city: 'newcityxqz' } })
      })
      await new Promise(resolve => setTimeout(resolve, 1500))
      release()
      await first
      await second

      // then
      const user = await prisma.user.findUnique({ where: { id }, select: { searchDocument: true } })
      assert.equal(await prisma.address.count({ where: { userId: id } }), 1)
      assert.doesNotMatch(user.searchDocument, /deletedxqzstreet/)
      assert.match(user.searchDocument, /newcityxqz/)
    })
  },
)
