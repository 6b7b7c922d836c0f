// The address book through both vocabularies: a customer manages its own addresses only, and
// no input reads, changes, deletes or re-parents another customer's address.
import '../../helpers/env'
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, type TestServer } from '../../helpers/server'
import { tokenFor } from '../../helpers/actors'
import { makeAddress, makeCustomer } from '../../helpers/factories'

const VALID = {
  firstName: 'Ada',
  lastName: 'Lovelace',
  streetAddress1: 'ul. Długa 5',
  city: 'Warszawa',
  postalCode: '00-950',
  country: 'pl',
  phone: '601 234 567',
}

const SALEOR_CREATE =
  'mutation($input: AddressInput!, $type: AddressTypeEnum) { accountAddressCreate(input: $input, type: $type) { address { id city country phone user { id } } user { defaultShippingAddress { id } } errors { field code message } } }'
const SALEOR_UPDATE =
  'mutation($id: ID!, $input: AddressInput!) { accountAddressUpdate(id: $id, input: $input) { address { id city } errors { field code } } }'
const SALEOR_DELETE =
  'mutation($id: ID!) { accountAddressDelete(id: $id) { address { id } user { defaultBillingAddress { id } } errors { field code } } }'
const SALEOR_DEFAULT =
  'mutation($id: ID!, $type: AddressTypeEnum!) { accountSetDefaultAddress(id: $id, type: $type) { user { defaultBillingAddress { id } } errors { field code } } }'
const OPENFRONT_CREATE =
  'mutation($data: AddressCreateInput!) { createActiveUserAddress(data: $data) { id addresses { id city } } }'
const OPENFRONT_UPDATE =
  'mutation($id: ID!, $data: AddressUpdateInput!) { updateActiveUserAddress(where: { id: $id }, data: $data) { id addresses { id city } } }'
const OPENFRONT_DELETE = 'mutation($id: ID!) { deleteActiveUserAddress(where: { id: $id }) { id city } }'

let server: TestServer

before(async () => {
  server = await startServer()
})
after(async () => {
  await server?.stop()
})

async function customerWithToken() {
  const customer = await makeCustomer(server.context)
  return { customer, token: await tokenFor(server.context, customer.id) }
}

// a book of `count` plain addresses, written straight to the database
async function fillBook(userId: string, count: number) {
  await server.context.prisma.address.createMany({
    data: Array.from({ length: count }, (_, i) => ({
      userId,
      streetAddress1: `${i} Main St`,
      city: 'SPRINGFIELD',
      postalCode: '62701',
      country: 'US',
      countryArea: 'IL',
      metadata: {},
    })),
  })
}

async function addressRow(id: string) {
  return server.context.prisma.address.findUnique({ where: { id } })
}

test("accountAddressCreate validates, normalises and stores the address in the caller's own book, as a default when asked", async () => {
  const { customer, token } = await customerWithToken()
  const res = await server.gql(SALEOR_CREATE, { input: VALID, type: 'SHIPPING' }, { token })
  const { address, user, errors } = res.body.data.accountAddressCreate
  assert.deepEqual(errors, [])
  assert.equal(address.user.id, customer.id)
  assert.equal(address.country, 'PL')
  assert.equal(address.phone, '+48601234567')
  assert.equal(user.defaultShippingAddress.id, address.id)
})

test('accountAddressCreate reports field errors with codes and stores nothing', async () => {
  const { customer, token } = await customerWithToken()
  const res = await server.gql(
    SALEOR_CREATE,
    { input: { ...VALID, postalCode: '12345', phone: '12', country: 'PL' } },
    { token },
  )
  const errors = res.body.data.accountAddressCreate.errors
  assert.deepEqual(errors.map((e: { field: string }) => e.field).sort(), ['phone', 'postalCode'])
  assert.ok(errors.every((e: { code: string }) => e.code === 'INVALID'))
  assert.equal(await server.context.prisma.address.count({ where: { userId: customer.id } }), 0)
})

test("createActiveUserAddress adds to the caller's book and answers the user", async () => {
  const { customer, token } = await customerWithToken()
  const res = await server.gql(OPENFRONT_CREATE, { data: VALID }, { token })
  assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors))
  assert.equal(res.body.data.createActiveUserAddress.id, customer.id)
  assert.equal(res.body.data.createActiveUserAddress.addresses.length, 1)
})

test('createActiveUserAddress refuses to connect the new address to another user, and creates nothing', async () => {
  const { customer, token } = await customerWithToken()
  const victim = await makeCustomer(server.context)
  const res = await server.gql(
    OPENFRONT_CREATE,
    { data: { ...VALID, user: { connect: { id: victim.id } } } },
    { token },
  )
  assert.equal(res.body.errors[0].extensions.code, 'INVALID')
  assert.equal(res.body.errors[0].extensions.field, 'user')
  assert.equal(await server.context.prisma.address.count({ where: { userId: { in: [victim.id, customer.id] } } }), 0)
})

for (const [label, run] of [
  [
    'accountAddressUpdate',
    (token: string, id: string) => server.gql(SALEOR_UPDATE, { id, input: { city: 'Hijacked' } }, { token }),
  ],
  [
    'updateActiveUserAddress',
    (token: string, id: string) => server.gql(OPENFRONT_UPDATE, { id, data: { city: 'Hijacked' } }, { token }),
  ],
  ['accountAddressDelete', (token: string, id: string) => server.gql(SALEOR_DELETE, { id }, { token })],
  ['deleteActiveUserAddress', (token: string, id: string) => server.gql(OPENFRONT_DELETE, { id }, { token })],
  [
    'accountSetDefaultAddress',
    (token: string, id: string) => server.gql(SALEOR_DEFAULT, { id, type: 'BILLING' }, { token }),
  ],
] as const) {
  test(`${label} on another customer's address answers NOT_FOUND and changes nothing`, async () => {
    // given
    const { customer, token } = await customerWithToken()
    const victim = await makeCustomer(server.context)
    const address = await makeAddress(server.context, victim.id, {
      city: 'Kraków',
      postalCode: '30-001',
      country: 'PL',
    })
    const before = await addressRow(address.id)
    // when
    const res = await run(token, address.id)
    // then
    const text = JSON.stringify(res.body)
    assert.match(text, /NOT_FOUND/)
    assert.doesNotMatch(text, /Kraków/)
    assert.deepEqual(await addressRow(address.id), before)
    assert.equal(
      (await server.context.prisma.user.findUnique({ where: { id: customer.id } }))!.defaultBillingAddressId,
      null,
    )
  })
}

test("updateActiveUserAddress refuses to re-parent the caller's own address to another user", async () => {
  const { customer, token } = await customerWithToken()
  const victim = await makeCustomer(server.context)
  const address = await makeAddress(server.context, customer.id)
  const res = await server.gql(
    OPENFRONT_UPDATE,
    { id: address.id, data: { user: { connect: { id: victim.id } } } },
    { token },
  )
  assert.equal(res.body.errors[0].extensions.field, 'user')
  assert.equal((await addressRow(address.id))!.userId, customer.id)
})

test('updating an own address through both vocabularies validates the merged address', async () => {
  const { customer, token } = await customerWithToken()
  const address = await makeAddress(server.context, customer.id)
  const saleor = await server.gql(
    SALEOR_UPDATE,
    { id: address.id, input: { city: 'Chicago', postalCode: '60601', countryArea: 'IL' } },
    { token },
  )
  assert.deepEqual(saleor.body.data.accountAddressUpdate.errors, [])
  assert.equal((await addressRow(address.id))!.city, 'CHICAGO')
  const bad = await server.gql(OPENFRONT_UPDATE, { id: address.id, data: { postalCode: 'ABCDE' } }, { token })
  assert.equal(bad.body.errors[0].extensions.code, 'INVALID')
  assert.equal((await addressRow(address.id))!.postalCode, '60601')
})

test('deleting a default address clears that default', async () => {
  const { customer, token } = await customerWithToken()
  const address = await makeAddress(server.context, customer.id)
  await server.gql(SALEOR_DEFAULT, { id: address.id, type: 'BILLING' }, { token })
  const res = await server.gql(SALEOR_DELETE, { id: address.id }, { token })
  assert.deepEqual(res.body.data.accountAddressDelete.errors, [])
  assert.equal(res.body.data.accountAddressDelete.user.defaultBillingAddress, null)
  assert.equal(await addressRow(address.id), null)
})

test('the 101st address is refused on every path with the same error, and nothing is deleted', async () => {
  // given: a full book of 100
  const { customer, token } = await customerWithToken()
  await fillBook(customer.id, 100)
  // when
  const saleor = await server.gql(SALEOR_CREATE, { input: VALID }, { token })
  const openfront = await server.gql(OPENFRONT_CREATE, { data: VALID }, { token })
  const generated = await server.gql(
    'mutation($data: AddressCreateInput!) { createAddress(data: $data) { id } }',
    {
      data: VALID,
    },
    { token },
  )
  // then
  const refusal = 'An address book holds at most 100 addresses; delete one before adding another.'
  assert.equal(saleor.body.data.accountAddressCreate.errors[0].message, refusal)
  assert.equal(openfront.body.errors[0].message, refusal)
  assert.equal(generated.body.data?.createAddress ?? null, null)
  assert.ok(generated.body.errors[0].message.includes(refusal))
  assert.equal(await server.context.prisma.address.count({ where: { userId: customer.id } }), 100)
})

test('adds racing for the last place in a book leave it at 100: one is taken, the others refused', async () => {
  // given: a book of 99
  const { customer, token } = await customerWithToken()
  await fillBook(customer.id, 99)
  // when: eight adds at once, through the custom and the generated mutations
  const answers = await Promise.all(
    Array.from({ length: 8 }, (_, i) =>
      i % 2
        ? server.gql(
            'mutation($data: AddressCreateInput!) { createAddress(data: $data) { id } }',
            { data: VALID },
            { token },
          )
        : server.gql(SALEOR_CREATE, { input: VALID }, { token }),
    ),
  )
  // then
  const taken = answers.filter(
    res => res.body.data?.createAddress?.id || res.body.data?.accountAddressCreate?.address?.id,
  )
  assert.equal(taken.length, 1)
  assert.equal(await server.context.prisma.address.count({ where: { userId: customer.id } }), 100)
})

test('the generated createAddress validates the address per country too', async () => {
  const { token } = await customerWithToken()
  const res = await server.gql(
    'mutation { createAddress(data: { streetAddress1: "1 Main", city: "X", postalCode: "00000000", country: "US" }) { id } }',
    {},
    { token },
  )
  assert.equal(res.body.data?.createAddress ?? null, null)
  assert.match(JSON.stringify(res.body.errors), /postalCode/)
})

test("accountAddressUpdate cannot grow an address's metadata past 100 keys a few keys at a time", async () => {
  // given an address whose metadata holds 90 keys
  const { customer, token } = await customerWithToken()
  const stored = Object.fromEntries(Array.from({ length: 90 }, (_, i) => [`old${i}`, 'v']))
  const address = await makeAddress(server.context, customer.id, { metadata: stored })
  // when the customer sets 20 new keys
  const res = await server.gql(
    SALEOR_UPDATE,
    { id: address.id, input: { metadata: Array.from({ length: 20 }, (_, i) => ({ key: `new${i}`, value: 'v' })) } },
    { token },
  )
  // then the merged map is refused on metadata and nothing is written
  assert.deepEqual(res.body.data.accountAddressUpdate.errors, [{ field: 'metadata', code: 'INVALID' }])
  assert.deepEqual((await addressRow(address.id))?.metadata, stored)
})
