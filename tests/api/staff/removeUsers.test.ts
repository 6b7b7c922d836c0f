// removeUsers (services/staff/userRemoval.ts), the one bulk deletion behind customerDelete,
// customerBulkDelete, staffDelete and staffBulkDelete: every refusal names its field and code and
// deletes nothing, and an accepted deletion removes every user with its event and webhook.
import '../../helpers/env'
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import type { Context } from '../../../generated/keystone/types'
import { startServer, type TestServer } from '../../helpers/server'
import { makeCustomer, makeStaff, makeSuperuser } from '../../helpers/factories'
import { loadSessionUser, sessionOf, type Session } from '../../../services/identity'
import { DomainError, inTransaction } from '../../../services/kernel'
import { removeUsers, type UserKind } from '../../../services/staff'

let server: TestServer
let manager: Session

before(async () => {
  server = await startServer()
  const user = await makeStaff(server.context, ['MANAGE_USERS', 'MANAGE_STAFF'])
  manager = sessionOf((await loadSessionUser(server.context, { id: user.id }))!, 'jwt')
})

after(async () => {
  await server?.stop()
})

async function refusal(
  ids: string[],
  kind: UserKind,
  actor: Session = manager,
): Promise<{ field: string | null; code: string }[]> {
  const context: Context = server.context.sudo()
  const error = await inTransaction(context, tx => removeUsers(tx, actor, { ids, kind })).then(
    count => assert.fail(`removed ${count} users instead of refusing`),
    (error: unknown) => error,
  )
  assert.ok(error instanceof DomainError, String(error))
  return error.errors.map(e => ({ field: e.field, code: e.code }))
}

async function stillThere(ids: string[]): Promise<number> {
  return server.context.prisma.user.count({ where: { id: { in: ids } } })
}

test('removeUsers of staff refuses a customer id as DELETE_NON_STAFF_USER and deletes nobody', async () => {
  // given
  const staff = await makeStaff(server.context, [])
  const customer = await makeCustomer(server.context)
  // when
  const errors = await refusal([staff.id, customer.id], 'staff')
  // then
  assert.deepEqual(errors, [{ field: 'ids', code: 'DELETE_NON_STAFF_USER' }])
  assert.equal(await stillThere([staff.id, customer.id]), 2)
})

test('removeUsers of customers refuses a staff id as NOT_FOUND, on id for a single id', async () => {
  // given
  const staff = await makeStaff(server.context, [])
  // when
  const errors = await refusal([staff.id], 'customer')
  // then
  assert.deepEqual(errors, [{ field: 'id', code: 'NOT_FOUND' }])
  assert.equal(await stillThere([staff.id]), 1)
})

test('removeUsers refuses a missing id as NOT_FOUND on either kind', async () => {
  // given
  const customer = await makeCustomer(server.context)
  // when / then
  assert.deepEqual(await refusal([customer.id, 'no-such-user'], 'customer'), [{ field: 'ids', code: 'NOT_FOUND' }])
  assert.deepEqual(await refusal(['no-such-user'], 'staff'), [{ field: 'id', code: 'NOT_FOUND' }])
  assert.equal(await stillThere([customer.id]), 1)
})

test('removeUsers refuses more than MAX_BULK ids as INVALID on ids', async () => {
  // when
  const errors = await refusal(
    Array.from({ length: 101 }, (_, i) => `id-${i}`),
    'customer',
  )
  // then
  assert.deepEqual(errors, [{ field: 'ids', code: 'INVALID' }])
})

test('removeUsers judges the scope: the actor itself and a superuser are refused', async () => {
  // given
  const superuser = await makeSuperuser(server.context)
  // when / then
  // (the manager holds the only MANAGE_STAFF here, so the judge also names the permission left unmanaged)
  const own = await refusal([manager.itemId], 'staff')
  assert.deepEqual(
    own.filter(e => e.code === 'DELETE_OWN_ACCOUNT'),
    [{ field: 'id', code: 'DELETE_OWN_ACCOUNT' }],
  )
  const superuserErrors = await refusal([superuser.id], 'staff')
  assert.deepEqual(
    superuserErrors.filter(e => e.code === 'DELETE_SUPERUSER_ACCOUNT'),
    [{ field: 'id', code: 'DELETE_SUPERUSER_ACCOUNT' }],
  )
  assert.equal(await stillThere([manager.itemId, superuser.id]), 2)
})

test('removeUsers removes every customer given, each with its ACCOUNT_DELETED event', async () => {
  // given
  const customers = [await makeCustomer(server.context), await makeCustomer(server.context)]
  const ids = customers.map(c => c.id)
  // when
  const count = await inTransaction(server.context.sudo(), tx =>
    removeUsers(tx, manager, { ids: [...ids, ids[0]!], kind: 'customer' }),
  )
  // then
  assert.equal(count, 2)
  assert.equal(await stillThere(ids), 0)
  const events = await server.context.prisma.accountEvent.findMany({
    where: { type: 'ACCOUNT_DELETED', actorId: manager.itemId },
  })
  assert.deepEqual(
    ids.filter(id => events.some(e => (e.parameters as { user_id?: string }).user_id === id)),
    ids,
  )
})
