// The account actions on a user's page (lists/userActions.ts), through their generated mutations:
// staff who manage the user may take them, each is recorded, and anyone else, or staff acting out
// of scope, is refused with nothing done.
import '../../helpers/env'
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, type TestServer } from '../../helpers/server'
import { makeCustomer, makeStaff } from '../../helpers/factories'
import { tokenFor } from '../../helpers/actors'

const SIGN_OUT = 'mutation($id: ID!) { signOutEverywhereUser(where: { id: $id }) { id } }'
const SEND_RESET = 'mutation($id: ID!) { sendPasswordResetUser(where: { id: $id }) { id } }'
const DEACTIVATE = 'mutation($id: ID!) { deactivateUser(where: { id: $id }) { id isActive } }'
const ME = '{ me { id } }'

let server: TestServer
let supportToken: string

before(async () => {
  server = await startServer()
  const support = await makeStaff(server.context, ['MANAGE_USERS'])
  supportToken = await tokenFor(server.context, support.id)
})

after(async () => {
  await server?.stop()
})

async function eventsOf(userId: string, type: string) {
  return server.context.prisma.accountEvent.count({ where: { userId, type } })
}

test("signOutEverywhereUser by support staff ends the customer's tokens and records it", async () => {
  // given
  const customer = await makeCustomer(server.context)
  const customerToken = await tokenFor(server.context, customer.id)
  assert.equal((await server.gql(ME, {}, { token: customerToken })).body.data.me.id, customer.id)
  // when
  const res = await server.gql(SIGN_OUT, { id: customer.id }, { token: supportToken })
  // then
  assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors))
  assert.equal(res.body.data.signOutEverywhereUser.id, customer.id)
  assert.equal((await server.gql(ME, {}, { token: customerToken })).body.data.me, null)
  assert.equal(await eventsOf(customer.id, 'SIGNED_OUT_EVERYWHERE'), 1)
})

test('sendPasswordResetUser by support staff queues a reset mail to the customer', async () => {
  // given
  const customer = await makeCustomer(server.context)
  // when
  const res = await server.gql(SEND_RESET, { id: customer.id }, { token: supportToken })
  // then
  assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors))
  const mails = await server.context.prisma.outboxMail.findMany({
    where: { to: customer.email, template: 'PASSWORD_RESET' },
  })
  assert.equal(mails.length, 1)
})

test('a customer cannot take an account action, even on itself, and nothing changes', async () => {
  // given
  const customer = await makeCustomer(server.context)
  const customerToken = await tokenFor(server.context, customer.id)
  // when
  const res = await server.gql(DEACTIVATE, { id: customer.id }, { token: customerToken })
  // then
  assert.equal(res.body.data?.deactivateUser ?? null, null)
  assert.deepEqual(
    res.body.errors?.map((e: any) => e.path?.[0]),
    ['deactivateUser'],
  )
  assert.equal((await server.context.prisma.user.findUniqueOrThrow({ where: { id: customer.id } })).isActive, true)
})

test('support staff cannot reach a staff member: the action finds nobody and the tokens live on', async () => {
  // given
  const staff = await makeStaff(server.context, [])
  const staffToken = await tokenFor(server.context, staff.id)
  // when
  const res = await server.gql(SIGN_OUT, { id: staff.id }, { token: supportToken })
  // then
  // (staff it may not manage are not even readable to MANAGE_USERS alone)
  assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors))
  assert.equal(res.body.data.signOutEverywhereUser, null)
  assert.equal((await server.gql(ME, {}, { token: staffToken })).body.data.me.id, staff.id)
  assert.equal(await eventsOf(staff.id, 'SIGNED_OUT_EVERYWHERE'), 0)
})
