// addressSetDefault: staff with MANAGE_USERS make one of a customer's own addresses its default;
// a staff user, an unknown user and another user's address are all NOT_FOUND.
import '../../helpers/env'
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, type TestServer } from '../../helpers/server'
import { tokenFor } from '../../helpers/actors'
import { makeAddress, makeCustomer, makeStaff } from '../../helpers/factories'

const ADDRESS_SET_DEFAULT =
  'mutation($userId: ID!, $addressId: ID!, $type: AddressTypeEnum!) { addressSetDefault(userId: $userId, addressId: $addressId, type: $type) { user { id defaultBillingAddress { id } } address { id } errors { field code } } }'

let server: TestServer
const tokens: Record<string, string> = {}

before(async () => {
  server = await startServer()
  const c = server.context
  tokens.support = await tokenFor(c, (await makeStaff(c, ['MANAGE_USERS'])).id)
  tokens.staffManager = await tokenFor(c, (await makeStaff(c, ['MANAGE_STAFF'])).id)
})

after(async () => {
  await server?.stop()
})

async function defaultBillingOf(userId: string): Promise<string | null> {
  return (await server.context.prisma.user.findUniqueOrThrow({ where: { id: userId } })).defaultBillingAddressId
}

test("addressSetDefault by support staff makes the customer's address its default billing address", async () => {
  // given
  const customer = await makeCustomer(server.context)
  const address = await makeAddress(server.context, customer.id)
  // when
  const res = await server.gql(
    ADDRESS_SET_DEFAULT,
    { userId: customer.id, addressId: address.id, type: 'BILLING' },
    { token: tokens.support },
  )
  // then
  assert.deepEqual(res.body.data.addressSetDefault, {
    user: { id: customer.id, defaultBillingAddress: { id: address.id } },
    address: { id: address.id },
    errors: [],
  })
  assert.equal(await defaultBillingOf(customer.id), address.id)
})

for (const actor of ['customer', 'staffManager'] as const) {
  test(`addressSetDefault as ${actor === 'customer' ? 'the owning customer' : 'staff without MANAGE_USERS'} is refused with KS_ACCESS_DENIED and changes nothing`, async () => {
    // given
    const customer = await makeCustomer(server.context)
    const address = await makeAddress(server.context, customer.id)
    const token = actor === 'customer' ? await tokenFor(server.context, customer.id) : tokens[actor]
    // when
    const res = await server.gql(
      ADDRESS_SET_DEFAULT,
      { userId: customer.id, addressId: address.id, type: 'BILLING' },
      { token },
    )
    // then
    assert.equal(res.body.errors?.[0]?.extensions?.code, 'KS_ACCESS_DENIED', JSON.stringify(res.body))
    assert.equal(res.body.data?.addressSetDefault ?? null, null)
    assert.equal(await defaultBillingOf(customer.id), null)
  })
}

test('addressSetDefault for a staff user answers NOT_FOUND on userId and changes nothing', async () => {
  // given
  const staff = await makeStaff(server.context, [])
  const address = await makeAddress(server.context, staff.id)
  // when
  const res = await server.gql(
    ADDRESS_SET_DEFAULT,
    { userId: staff.id, addressId: address.id, type: 'BILLING' },
    { token: tokens.support },
  )
  // then
  assert.deepEqual(res.body.data.addressSetDefault, {
    user: null,
    address: null,
    errors: [{ field: 'userId', code: 'NOT_FOUND' }],
  })
  assert.equal(await defaultBillingOf(staff.id), null)
})

test('addressSetDefault for an unknown user answers NOT_FOUND on userId', async () => {
  // given
  const owner = await makeCustomer(server.context)
  const address = await makeAddress(server.context, owner.id)
  // when
  const res = await server.gql(
    ADDRESS_SET_DEFAULT,
    { userId: 'no-such-user', addressId: address.id, type: 'BILLING' },
    { token: tokens.support },
  )
  // then
  assert.deepEqual(res.body.data.addressSetDefault.errors, [{ field: 'userId', code: 'NOT_FOUND' }])
})

test("addressSetDefault with another customer's address answers NOT_FOUND on id and changes nothing", async () => {
  // given
  const customer = await makeCustomer(server.context)
  const other = await makeCustomer(server.context)
  const othersAddress = await makeAddress(server.context, other.id)
  // when
  const res = await server.gql(
    ADDRESS_SET_DEFAULT,
    { userId: customer.id, addressId: othersAddress.id, type: 'BILLING' },
    { token: tokens.support },
  )
  // then
  assert.deepEqual(res.body.data.addressSetDefault.errors, [{ field: 'id', code: 'NOT_FOUND' }])
  assert.equal(await defaultBillingOf(customer.id), null)
  assert.equal(await defaultBillingOf(other.id), null)
})
