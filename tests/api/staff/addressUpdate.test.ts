// addressUpdate: staff with MANAGE_USERS change an address of a customer's book; an address of a
// staff user's book is NOT_FOUND like a missing one, and a refusal changes nothing.
import '../../helpers/env'
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, type TestServer } from '../../helpers/server'
import { tokenFor } from '../../helpers/actors'
import { makeAddress, makeCustomer, makeStaff } from '../../helpers/factories'

const ADDRESS_UPDATE =
  'mutation($id: ID!, $input: AddressInput!) { addressUpdate(id: $id, input: $input) { user { id } address { id city postalCode } errors { field code } } }'

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

async function stored(id: string) {
  return server.context.prisma.address.findUniqueOrThrow({ where: { id } })
}

test("addressUpdate by support staff changes the customer's address and answers it with its owner", async () => {
  // given
  const customer = await makeCustomer(server.context)
  const address = await makeAddress(server.context, customer.id)
  // when
  const res = await server.gql(
    ADDRESS_UPDATE,
    { id: address.id, input: { city: 'Chicago', postalCode: '60601' } },
    { token: tokens.support },
  )
  // then
  const payload = res.body.data.addressUpdate
  assert.deepEqual(payload.errors, [])
  assert.equal(payload.user.id, customer.id)
  assert.equal(payload.address.id, address.id)
  assert.match((await stored(address.id)).city, /^chicago$/i)
  assert.equal((await stored(address.id)).postalCode, '60601')
})

for (const actor of ['customer', 'staffManager'] as const) {
  test(`addressUpdate as ${actor === 'customer' ? 'the owning customer' : 'staff without MANAGE_USERS'} is refused with KS_ACCESS_DENIED and changes nothing`, async () => {
    // given
    const customer = await makeCustomer(server.context)
    const address = await makeAddress(server.context, customer.id)
    const before = await stored(address.id)
    const token = actor === 'customer' ? await tokenFor(server.context, customer.id) : tokens[actor]
    // when
    const res = await server.gql(
      ADDRESS_UPDATE,
      { id: address.id, input: { city: 'Chicago', postalCode: '60601' } },
      { token },
    )
    // then
    assert.equal(res.body.errors?.[0]?.extensions?.code, 'KS_ACCESS_DENIED', JSON.stringify(res.body))
    assert.equal(res.body.data?.addressUpdate ?? null, null)
    assert.deepEqual(await stored(address.id), before)
  })
}

test("addressUpdate of an address in a staff user's book answers NOT_FOUND on id and changes nothing", async () => {
  // given
  const staff = await makeStaff(server.context, [])
  const address = await makeAddress(server.context, staff.id)
  const before = await stored(address.id)
  // when
  const res = await server.gql(
    ADDRESS_UPDATE,
    { id: address.id, input: { city: 'Chicago', postalCode: '60601' } },
    { token: tokens.support },
  )
  // then
  assert.deepEqual(res.body.data.addressUpdate, {
    user: null,
    address: null,
    errors: [{ field: 'id', code: 'NOT_FOUND' }],
  })
  assert.deepEqual(await stored(address.id), before)
})

test('addressUpdate of an unknown address answers NOT_FOUND on id', async () => {
  // when
  const res = await server.gql(
    ADDRESS_UPDATE,
    { id: 'no-such-address', input: { city: 'Chicago' } },
    { token: tokens.support },
  )
  // then
  assert.deepEqual(res.body.data.addressUpdate.errors, [{ field: 'id', code: 'NOT_FOUND' }])
})

test('addressUpdate with a postal code outside the state answers INVALID on postalCode and changes nothing', async () => {
  // given
  const customer = await makeCustomer(server.context)
  const address = await makeAddress(server.context, customer.id)
  const before = await stored(address.id)
  // when
  const res = await server.gql(
    ADDRESS_UPDATE,
    { id: address.id, input: { postalCode: '10001' } },
    { token: tokens.support },
  )
  // then
  assert.deepEqual(res.body.data.addressUpdate.errors, [{ field: 'postalCode', code: 'INVALID' }])
  assert.deepEqual(await stored(address.id), before)
})

test('addressUpdate that empties the country answers REQUIRED on country and changes nothing', async () => {
  // given
  const customer = await makeCustomer(server.context)
  const address = await makeAddress(server.context, customer.id)
  const before = await stored(address.id)
  // when
  const res = await server.gql(ADDRESS_UPDATE, { id: address.id, input: { country: '' } }, { token: tokens.support })
  // then
  assert.deepEqual(res.body.data.addressUpdate.errors, [{ field: 'country', code: 'REQUIRED' }])
  assert.deepEqual(await stored(address.id), before)
})
