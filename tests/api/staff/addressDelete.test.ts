// addressDelete: staff with MANAGE_USERS delete an address of a customer's book and get it back
// as it was, a default on it cleared; an address of a staff user's book is NOT_FOUND.
import '../../helpers/env'
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, type TestServer } from '../../helpers/server'
import { tokenFor } from '../../helpers/actors'
import { makeAddress, makeCustomer, makeStaff } from '../../helpers/factories'

const ADDRESS_DELETE =
  'mutation($id: ID!) { addressDelete(id: $id) { user { id defaultShippingAddress { id } } address { id city } errors { field code } } }'

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

async function exists(id: string): Promise<boolean> {
  return (await server.context.prisma.address.count({ where: { id } })) === 1
}

test("addressDelete by support staff deletes the customer's default address, answers it as it was and clears the default", async () => {
  // given
  const customer = await makeCustomer(server.context)
  const address = await makeAddress(server.context, customer.id)
  await server.context.prisma.user.update({
    where: { id: customer.id },
    data: { defaultShippingAddressId: address.id },
  })
  // when
  const res = await server.gql(ADDRESS_DELETE, { id: address.id }, { token: tokens.support })
  // then
  assert.deepEqual(res.body.data.addressDelete, {
    user: { id: customer.id, defaultShippingAddress: null },
    address: { id: address.id, city: address.city },
    errors: [],
  })
  assert.equal(await exists(address.id), false)
})

for (const actor of ['customer', 'staffManager'] as const) {
  test(`addressDelete as ${actor === 'customer' ? 'the owning customer' : 'staff without MANAGE_USERS'} is refused with KS_ACCESS_DENIED and deletes nothing`, async () => {
    // given
    const customer = await makeCustomer(server.context)
    const address = await makeAddress(server.context, customer.id)
    const token = actor === 'customer' ? await tokenFor(server.context, customer.id) : tokens[actor]
    // when
    const res = await server.gql(ADDRESS_DELETE, { id: address.id }, { token })
    // then
    assert.equal(res.body.errors?.[0]?.extensions?.code, 'KS_ACCESS_DENIED', JSON.stringify(res.body))
    assert.equal(res.body.data?.addressDelete ?? null, null)
    assert.equal(await exists(address.id), true)
  })
}

test("addressDelete of an address in a staff user's book answers NOT_FOUND on id and deletes nothing", async () => {
  // given
  const staff = await makeStaff(server.context, [])
  const address = await makeAddress(server.context, staff.id)
  // when
  const res = await server.gql(ADDRESS_DELETE, { id: address.id }, { token: tokens.support })
  // then
  assert.deepEqual(res.body.data.addressDelete, {
    user: null,
    address: null,
    errors: [{ field: 'id', code: 'NOT_FOUND' }],
  })
  assert.equal(await exists(address.id), true)
})

test('addressDelete of an unknown address answers NOT_FOUND on id', async () => {
  // when
  const res = await server.gql(ADDRESS_DELETE, { id: 'no-such-address' }, { token: tokens.support })
  // then
  assert.deepEqual(res.body.data.addressDelete.errors, [{ field: 'id', code: 'NOT_FOUND' }])
})
