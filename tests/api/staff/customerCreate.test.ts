// customerCreate: staff with MANAGE_USERS create a customer; every refusal names its field and
// code and creates nothing, and a caller without MANAGE_USERS is KS_ACCESS_DENIED.
import '../../helpers/env'
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, type TestServer } from '../../helpers/server'
import { tokenFor } from '../../helpers/actors'
import { makeChannel, makeCustomer, makeStaff } from '../../helpers/factories'

const CUSTOMER_CREATE =
  'mutation($input: CustomerInput!) { customerCreate(input: $input) { user { id email isStaff } errors { field code } } }'

const REDIRECT = 'http://localhost:3001/set-password'

let server: TestServer
const tokens: Record<string, string> = {}

before(async () => {
  server = await startServer()
  const c = server.context
  tokens.support = await tokenFor(c, (await makeStaff(c, ['MANAGE_USERS'])).id)
  tokens.staffManager = await tokenFor(c, (await makeStaff(c, ['MANAGE_STAFF'])).id)
  tokens.customer = await tokenFor(c, (await makeCustomer(c)).id)
})

after(async () => {
  await server?.stop()
})

async function usersCount(): Promise<number> {
  return server.context.prisma.user.count()
}

test('customerCreate by support staff creates a customer, never staff', async () => {
  // when
  const res = await server.gql(
    CUSTOMER_CREATE,
    { input: { email: 'New.Customer@Example.com', firstName: 'New' } },
    { token: tokens.support },
  )
  // then
  const { user, errors } = res.body.data.customerCreate
  assert.deepEqual(errors, [])
  assert.equal(user.email, 'new.customer@example.com')
  assert.equal(user.isStaff, false)
  assert.equal((await server.context.prisma.user.findUniqueOrThrow({ where: { id: user.id } })).firstName, 'New')
})

for (const actor of ['customer', 'staffManager'] as const) {
  test(`customerCreate as ${actor === 'customer' ? 'a customer' : 'staff without MANAGE_USERS'} is refused with KS_ACCESS_DENIED and creates nothing`, async () => {
    // given
    const before = await usersCount()
    // when
    const res = await server.gql(
      CUSTOMER_CREATE,
      { input: { email: `refused-${actor}@example.com` } },
      { token: tokens[actor] },
    )
    // then
    assert.equal(res.body.errors?.[0]?.extensions?.code, 'KS_ACCESS_DENIED', JSON.stringify(res.body))
    assert.equal(res.body.data?.customerCreate ?? null, null)
    assert.equal(await usersCount(), before)
  })
}

const refusals: [string, () => Promise<Record<string, unknown>>, { field: string; code: string }[]][] = [
  [
    'without an email is REQUIRED on email',
    async () => ({ firstName: 'Nobody' }),
    [{ field: 'email', code: 'REQUIRED' }],
  ],
  [
    'with a malformed email is INVALID on email',
    async () => ({ email: 'not an email' }),
    [{ field: 'email', code: 'INVALID' }],
  ],
  [
    'with a taken email is UNIQUE on email',
    async () => ({ email: (await makeCustomer(server.context)).email }),
    [{ field: 'email', code: 'UNIQUE' }],
  ],
  [
    'with a taken external reference is UNIQUE on externalReference',
    async () => {
      await makeCustomer(server.context, { externalReference: 'crm-taken' })
      return { email: 'second-reference@example.com', externalReference: 'crm-taken' }
    },
    [{ field: 'externalReference', code: 'UNIQUE' }],
  ],
  [
    'with metadata that is not an object of strings is INVALID on metadata',
    async () => ({ email: 'bad-metadata@example.com', metadata: [{ key: ' ', value: 'x' }] }),
    [{ field: 'metadata', code: 'INVALID' }],
  ],
  [
    'with a redirectUrl off the allowed hosts is INVALID on redirectUrl',
    async () => ({ email: 'phished@example.com', redirectUrl: 'https://evil.example.net/set' }),
    [{ field: 'redirectUrl', code: 'INVALID' }],
  ],
  [
    'with an unknown channel is NOT_FOUND on channel',
    async () => ({ email: 'lost-channel@example.com', redirectUrl: REDIRECT, channel: 'no-such-channel' }),
    [{ field: 'channel', code: 'NOT_FOUND' }],
  ],
  [
    'with an inactive channel is CHANNEL_INACTIVE on channel',
    async () => {
      const channel = await makeChannel(server.context, { isActive: false })
      return { email: 'closed-channel@example.com', redirectUrl: REDIRECT, channel: channel.slug }
    },
    [{ field: 'channel', code: 'CHANNEL_INACTIVE' }],
  ],
  [
    'with an invalid default address is INVALID on its postal code',
    async () => ({
      email: 'bad-address@example.com',
      defaultShippingAddress: {
        firstName: 'Ada',
        lastName: 'Lovelace',
        streetAddress1: 'ul. Długa 5',
        city: 'Warszawa',
        postalCode: '12345',
        country: 'PL',
      },
    }),
    [{ field: 'postalCode', code: 'INVALID' }],
  ],
]

for (const [situation, inputOf, expected] of refusals) {
  test(`customerCreate ${situation} and creates nothing`, async () => {
    // given
    const input = await inputOf()
    const before = await usersCount()
    // when
    const res = await server.gql(CUSTOMER_CREATE, { input }, { token: tokens.support })
    // then
    assert.deepEqual(res.body.data?.customerCreate, { user: null, errors: expected }, JSON.stringify(res.body))
    assert.equal(await usersCount(), before)
  })
}

test('customerCreate judges names and the language code by the rules every path applies, as field errors, and creates nothing', async () => {
  // given
  const before = await usersCount()
  // when: a first name past 256 characters, and a language code no profile would take
  const res = await server.gql(
    CUSTOMER_CREATE,
    { input: { email: 'long.name@example.com', firstName: 'x'.repeat(257), languageCode: 'english!' } },
    { token: tokens.support },
  )
  // then
  assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors))
  assert.deepEqual(res.body.data.customerCreate.errors, [
    { field: 'firstName', code: 'INVALID' },
    { field: 'languageCode', code: 'INVALID' },
  ])
  assert.equal(await usersCount(), before)
})

test('the generated updateUser refuses a language code a profile would refuse', async () => {
  // given
  const customer = await makeCustomer(server.context)
  // when
  const res = await server.gql(
    'mutation($id: ID!) { updateUser(where: { id: $id }, data: { languageCode: "english!" }) { id } }',
    { id: customer.id },
    { token: tokens.support },
  )
  // then
  assert.equal(res.body.data?.updateUser ?? null, null)
  assert.match(JSON.stringify(res.body.errors), /languageCode/)
  assert.equal((await server.context.prisma.user.findUniqueOrThrow({ where: { id: customer.id } })).languageCode, 'en')
})
