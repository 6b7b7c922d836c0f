// accountUpdate and updateActiveUser: one profile service; neither can touch email, staff flags,
// groups or private data; the order webhook URL is checked against SSRF.
import '../../helpers/env'
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, type TestServer } from '../../helpers/server'
import { tokenFor } from '../../helpers/actors'
import { makeCustomer } from '../../helpers/factories'

const ACCOUNT_UPDATE =
  'mutation($input: AccountInput!) { accountUpdate(input: $input) { user { firstName lastName languageCode metadata defaultBillingAddress { city } } errors { field code } } }'
const UPDATE_ACTIVE_USER =
  'mutation($data: UserUpdateProfileInput!) { updateActiveUser(data: $data) { id name phone onboardingStatus orderWebhookUrl email } }'

let server: TestServer

before(async () => {
  server = await startServer()
})
after(async () => {
  await server?.stop()
})

async function customerWithToken() {
  const customer = await makeCustomer(server.context, { metadata: { keep: 'me' } })
  return { customer, token: await tokenFor(server.context, customer.id) }
}

test('accountUpdate changes names, language and metadata keys, and adds a default billing address', async () => {
  const { token } = await customerWithToken()
  const res = await server.gql(
    ACCOUNT_UPDATE,
    {
      input: {
        firstName: ' Grace ',
        lastName: 'Hopper',
        languageCode: 'pl',
        metadata: [{ key: 'newsletter', value: 'yes' }],
        defaultBillingAddress: {
          streetAddress1: '10 Downing St',
          city: 'London',
          postalCode: 'SW1A 2AA',
          country: 'GB',
        },
      },
    },
    { token },
  )
  assert.deepEqual(res.body.data.accountUpdate.errors, [])
  assert.deepEqual(res.body.data.accountUpdate.user, {
    firstName: 'Grace',
    lastName: 'Hopper',
    languageCode: 'pl',
    metadata: { keep: 'me', newsletter: 'yes' },
    defaultBillingAddress: { city: 'LONDON' },
  })
})

test('accountUpdate and updateActiveUser have no way to change email, staff flags, groups or private data', async () => {
  const { customer, token } = await customerWithToken()
  for (const [query, variables] of [
    [ACCOUNT_UPDATE, { input: { email: 'x@example.com' } }],
    [ACCOUNT_UPDATE, { input: { isStaff: true } }],
    [UPDATE_ACTIVE_USER, { data: { email: 'x@example.com' } }],
    [UPDATE_ACTIVE_USER, { data: { privateMetadata: { a: 'b' } } }],
    [UPDATE_ACTIVE_USER, { data: { customerGroups: { connect: [{ id: 'x' }] } } }],
  ] as const) {
    const res = await server.gql(query, variables, { token })
    assert.ok(res.body.errors?.length, JSON.stringify(variables))
  }
  const after = await server.context.prisma.user.findUnique({ where: { id: customer.id } })
  assert.equal(after!.email, customer.email)
  assert.equal(after!.isStaff, false)
})

test('updateActiveUser sets name, an E.164 phone, the onboarding status and an https webhook', async () => {
  const { customer, token } = await customerWithToken()
  const res = await server.gql(
    UPDATE_ACTIVE_USER,
    {
      data: {
        name: 'Grace Hopper',
        phone: '+1 (202) 555-0143',
        onboardingStatus: 'completed',
        orderWebhookUrl: 'https://orders.example.com/hook',
      },
    },
    { token },
  )
  assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors))
  assert.deepEqual(res.body.data.updateActiveUser, {
    id: customer.id,
    name: 'Grace Hopper',
    phone: '+12025550143',
    onboardingStatus: 'completed',
    orderWebhookUrl: 'https://orders.example.com/hook',
    email: customer.email,
  })
})

for (const [label, url] of [
  ['plain http to a public host', 'http://orders.example.com/hook'],
  ['a private address', 'https://10.1.2.3/hook'],
  ['a loopback address', 'https://127.0.0.1:8443/hook'],
  ['a link-local address (cloud metadata)', 'https://169.254.169.254/latest'],
  ['localhost (in production)', 'http://localhost:3000/hook'],
  ['an IPv6 unique-local address', 'https://[fd00::1]/hook'],
] as const) {
  test(`updateActiveUser refuses ${label} as orderWebhookUrl, as a coded error, and keeps the old value`, async () => {
    const { customer, token } = await customerWithToken()
    const res = await server.gql(UPDATE_ACTIVE_USER, { data: { orderWebhookUrl: url } }, { token })
    assert.equal(res.body.errors[0].extensions.code, 'INVALID')
    assert.equal(res.body.errors[0].extensions.field, 'orderWebhookUrl')
    assert.equal((await server.context.prisma.user.findUnique({ where: { id: customer.id } }))!.orderWebhookUrl, '')
  })
}

test('the generated updateUser applies the same webhook and phone rules', async () => {
  const { customer, token } = await customerWithToken()
  const res = await server.gql(
    'mutation($id: ID!) { updateUser(where: { id: $id }, data: { orderWebhookUrl: "https://192.168.1.1/x" }) { id } }',
    { id: customer.id },
    { token },
  )
  assert.match(JSON.stringify(res.body.errors), /orderWebhookUrl/)
  const phone = await server.gql(
    'mutation($id: ID!) { updateUser(where: { id: $id }, data: { phone: "+44 20 7946 0958" }) { phone } }',
    { id: customer.id },
    { token },
  )
  assert.equal(phone.body.data.updateUser.phone, '+442079460958')
})

test('updateActiveUser refuses an unknown onboarding status and an invalid phone together', async () => {
  const { token } = await customerWithToken()
  const res = await server.gql(UPDATE_ACTIVE_USER, { data: { onboardingStatus: 'bored', phone: '123' } }, { token })
  const fields = res.body.errors[0].extensions.errors.map((e: { field: string }) => e.field).sort()
  assert.deepEqual(fields, ['onboardingStatus', 'phone'])
})

test('accountUpdate without a session is refused with KS_ACCESS_DENIED', async () => {
  const res = await server.gql(ACCOUNT_UPDATE, { input: { firstName: 'x' } })
  assert.equal(res.body.errors[0].extensions.code, 'KS_ACCESS_DENIED')
})

test('accountUpdate cannot grow metadata past 100 keys a few keys at a time, and keeps what was stored', async () => {
  // given a customer whose metadata holds 90 keys
  const stored = Object.fromEntries(Array.from({ length: 90 }, (_, i) => [`old${i}`, 'v']))
  const customer = await makeCustomer(server.context, { metadata: stored })
  const token = await tokenFor(server.context, customer.id)
  // when it sets 20 new keys, each within every limit on its own
  const res = await server.gql(
    ACCOUNT_UPDATE,
    { input: { metadata: Array.from({ length: 20 }, (_, i) => ({ key: `new${i}`, value: 'v' })) } },
    { token },
  )
  // then the merged map is refused on metadata and nothing is written
  assert.deepEqual(res.body.data.accountUpdate.errors, [{ field: 'metadata', code: 'INVALID' }])
  assert.deepEqual(
    (await server.context.prisma.user.findUniqueOrThrow({ where: { id: customer.id } })).metadata,
    stored,
  )
})

test('accountUpdate refuses a metadata key longer than 256 characters with INVALID on metadata', async () => {
  const { customer, token } = await customerWithToken()
  const res = await server.gql(
    ACCOUNT_UPDATE,
    { input: { metadata: [{ key: 'k'.repeat(300), value: 'v' }] } },
    { token },
  )
  assert.deepEqual(res.body.data.accountUpdate.errors, [{ field: 'metadata', code: 'INVALID' }])
  assert.deepEqual((await server.context.prisma.user.findUniqueOrThrow({ where: { id: customer.id } })).metadata, {
    keep: 'me',
  })
})

test("a phone number is judged by one rule: the user's phone and an address phone refuse the same numbers", async () => {
  // given: +48 999 999 999 has a Polish number's length, but no Polish range holds it
  const { customer, token } = await customerWithToken()
  const unassigned = '+48 999 999 999'
  const address = {
    streetAddress1: 'ul. Długa 5',
    city: 'Warszawa',
    postalCode: '00-950',
    country: 'PL',
    phone: unassigned,
  }
  // when
  const profile = await server.gql(UPDATE_ACTIVE_USER, { data: { phone: unassigned } }, { token })
  const generated = await server.gql(
    'mutation($id: ID!, $phone: String!) { updateUser(where: { id: $id }, data: { phone: $phone }) { phone } }',
    { id: customer.id, phone: unassigned },
    { token },
  )
  const book = await server.gql(
    'mutation($input: AddressInput!) { accountAddressCreate(input: $input) { address { id } errors { field code } } }',
    { input: address },
    { token },
  )
  // then
  assert.deepEqual(book.body.data.accountAddressCreate.errors, [{ field: 'phone', code: 'INVALID' }])
  assert.equal(profile.body.errors?.[0]?.extensions?.code, 'INVALID')
  assert.equal(profile.body.errors[0].extensions.field, 'phone')
  assert.equal(generated.body.data?.updateUser ?? null, null)
  assert.match(JSON.stringify(generated.body.errors), /phone/)
  assert.equal((await server.context.prisma.user.findUnique({ where: { id: customer.id } }))!.phone, '')
})

test("a user's phone with an extension is refused, as an address's is, rather than stored without it", async () => {
  // given
  const { customer, token } = await customerWithToken()
  // when
  const res = await server.gql(UPDATE_ACTIVE_USER, { data: { phone: '+1 202 555 0143 ext. 7' } }, { token })
  // then
  assert.equal(res.body.errors?.[0]?.extensions?.code, 'INVALID')
  assert.match(res.body.errors[0].message, /extension/)
  assert.equal((await server.context.prisma.user.findUnique({ where: { id: customer.id } }))!.phone, '')
})
