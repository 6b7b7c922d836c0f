// addressCreate: staff with MANAGE_USERS add an address to a customer's book; a staff user's book
// is NOT_FOUND, an invalid address is refused field by field, and a refusal stores nothing.
import '../../helpers/env'
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, type TestServer } from '../../helpers/server'
import { tokenFor } from '../../helpers/actors'
import { makeCustomer, makeStaff } from '../../helpers/factories'

const ADDRESS_CREATE =
  'mutation($userId: ID!, $input: AddressInput!) { addressCreate(userId: $userId, input: $input) { user { id } address { id city country phone user { id } } errors { field code } } }'

const VALID = {
  firstName: 'Ada',
  lastName: 'Lovelace',
  streetAddress1: 'ul. Długa 5',
  city: 'Warszawa',
  postalCode: '00-950',
  country: 'pl',
  phone: '601 234 567',
}

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

async function addressCount(userId: string): Promise<number> {
  return server.context.prisma.address.count({ where: { userId } })
}

test("addressCreate by support staff validates and stores the address in the customer's book", async () => {
  // given
  const customer = await makeCustomer(server.context)
  // when
  const res = await server.gql(ADDRESS_CREATE, { userId: customer.id, input: VALID }, { token: tokens.support })
  // then
  const { user, address, errors } = res.body.data.addressCreate
  assert.deepEqual(errors, [])
  assert.equal(user.id, customer.id)
  assert.equal(address.user.id, customer.id)
  assert.equal(address.country, 'PL')
  assert.equal(address.phone, '+48601234567')
  assert.equal(await addressCount(customer.id), 1)
})

for (const actor of ['customer', 'staffManager'] as const) {
  test(`addressCreate as ${actor === 'customer' ? 'the customer itself' : 'staff without MANAGE_USERS'} is refused with KS_ACCESS_DENIED and stores nothing`, async () => {
    // given
    const customer = await makeCustomer(server.context)
    const token = actor === 'customer' ? await tokenFor(server.context, customer.id) : tokens[actor]
    // when
    const res = await server.gql(ADDRESS_CREATE, { userId: customer.id, input: VALID }, { token })
    // then
    assert.equal(res.body.errors?.[0]?.extensions?.code, 'KS_ACCESS_DENIED', JSON.stringify(res.body))
    assert.equal(res.body.data?.addressCreate ?? null, null)
    assert.equal(await addressCount(customer.id), 0)
  })
}

test('addressCreate for a staff user answers NOT_FOUND on userId and stores nothing', async () => {
  // given
  const staff = await makeStaff(server.context, [])
  // when
  const res = await server.gql(ADDRESS_CREATE, { userId: staff.id, input: VALID }, { token: tokens.support })
  // then
  assert.deepEqual(res.body.data.addressCreate, {
    user: null,
    address: null,
    errors: [{ field: 'userId', code: 'NOT_FOUND' }],
  })
  assert.equal(await addressCount(staff.id), 0)
})

test('addressCreate for an unknown user answers NOT_FOUND on userId', async () => {
  // when
  const res = await server.gql(ADDRESS_CREATE, { userId: 'no-such-user', input: VALID }, { token: tokens.support })
  // then
  assert.deepEqual(res.body.data.addressCreate.errors, [{ field: 'userId', code: 'NOT_FOUND' }])
})

test('addressCreate with a wrong postal code and phone answers INVALID on each field and stores nothing', async () => {
  // given
  const customer = await makeCustomer(server.context)
  // when
  const res = await server.gql(
    ADDRESS_CREATE,
    { userId: customer.id, input: { ...VALID, postalCode: '12345', phone: '12' } },
    { token: tokens.support },
  )
  // then
  const errors = res.body.data.addressCreate.errors
    .map((e: { field: string; code: string }) => [e.field, e.code])
    .sort()
  assert.deepEqual(errors, [
    ['phone', 'INVALID'],
    ['postalCode', 'INVALID'],
  ])
  assert.equal(await addressCount(customer.id), 0)
})

test('addressCreate without a country answers REQUIRED on country and stores nothing', async () => {
  // given
  const customer = await makeCustomer(server.context)
  const { country: _country, ...withoutCountry } = VALID
  // when
  const res = await server.gql(
    ADDRESS_CREATE,
    { userId: customer.id, input: withoutCountry },
    { token: tokens.support },
  )
  // then
  assert.deepEqual(res.body.data.addressCreate.errors, [{ field: 'country', code: 'REQUIRED' }])
  assert.equal(await addressCount(customer.id), 0)
})
