// regenerateCustomerToken: a prefixed token shown once, stored hashed, acting with customer
// scope for reading and ordinary self-service, never for credentials or the account's existence.
import '../../helpers/env'
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { startServer, type TestServer } from '../../helpers/server'
import { tokenFor } from '../../helpers/actors'
import { PASSWORD, makeCustomer, makeStaff } from '../../helpers/factories'
import { assertTokenRefused } from '../../helpers/refusals'

const REGENERATE = 'mutation { regenerateCustomerToken { success token } }'
const ME = '{ me { id hasCustomerToken customerTokenLastUsedAt } }'

let server: TestServer

before(async () => {
  server = await startServer()
})
after(async () => {
  await server?.stop()
})

async function customerToken() {
  const customer = await makeCustomer(server.context)
  const res = await server.gql(REGENERATE, {}, { token: await tokenFor(server.context, customer.id) })
  return { customer, apiToken: res.body.data.regenerateCustomerToken.token as string, res }
}

test('regenerateCustomerToken answers a prefixed token once and stores only its hash', async () => {
  const { customer, apiToken, res } = await customerToken()
  assert.equal(res.body.data.regenerateCustomerToken.success, true)
  assert.match(apiToken, /^ctk_[A-Za-z0-9_-]{43}$/)
  const stored = await server.context.prisma.user.findUnique({ where: { id: customer.id } })
  assert.equal(stored!.customerTokenHash, createHash('sha256').update(apiToken).digest('hex'))
  assert.doesNotMatch(JSON.stringify(stored), new RegExp(apiToken))
})

test('a customer token works for me and accountAddressCreate, and records its last use', async () => {
  const { customer, apiToken } = await customerToken()
  const me = await server.gql(ME, {}, { token: apiToken })
  assert.equal(me.body.data.me.id, customer.id)
  assert.equal(me.body.data.me.hasCustomerToken, true)
  const created = await server.gql(
    'mutation { accountAddressCreate(input: { streetAddress1: "1 Main St", city: "Springfield", postalCode: "62701", countryArea: "IL", country: "US" }) { address { id } errors { code } } }',
    {},
    { token: apiToken },
  )
  assert.deepEqual(created.body.data.accountAddressCreate.errors, [])
  assert.ok((await server.context.prisma.user.findUnique({ where: { id: customer.id } }))!.customerTokenLastUsedAt)
})

for (const [label, query] of [
  [
    'passwordChange',
    `mutation { passwordChange(oldPassword: "${PASSWORD}", newPassword: "a fresh and rather long passphrase") { errors { code } } }`,
  ],
  [
    'updateActiveUserPassword',
    `mutation { updateActiveUserPassword(oldPassword: "${PASSWORD}", newPassword: "a fresh and rather long passphrase", confirmPassword: "a fresh and rather long passphrase") { id } }`,
  ],
  [
    'requestEmailChange',
    `mutation { requestEmailChange(password: "${PASSWORD}", newEmail: "new@example.com", redirectUrl: "http://localhost/x") { errors { code } } }`,
  ],
  ['regenerateCustomerToken', REGENERATE],
  [
    'accountRequestDeletion',
    'mutation { accountRequestDeletion(redirectUrl: "http://localhost/x") { errors { code } } }',
  ],
  ['tokensDeactivateAll', 'mutation { tokensDeactivateAll { errors { code } } }'],
] as const) {
  test(`a customer token is refused for ${label} with KS_ACCESS_DENIED, and nothing changes`, async () => {
    const { customer, apiToken } = await customerToken()
    const before = await server.context.prisma.user.findUnique({ where: { id: customer.id } })
    const res = await server.gql(query, {}, { token: apiToken })
    assert.equal(res.body.errors?.[0]?.extensions?.code, 'KS_ACCESS_DENIED')
    const after = await server.context.prisma.user.findUnique({ where: { id: customer.id } })
    assert.equal(after!.password, before!.password)
    assert.equal(after!.customerTokenHash, before!.customerTokenHash)
    assert.equal(after!.jwtTokenKey, before!.jwtTokenKey)
  })
}

test('a customer token stops working after regeneration and after tokensDeactivateAll', async () => {
  const { customer, apiToken } = await customerToken()
  const session = await tokenFor(server.context, customer.id)
  const next = (await server.gql(REGENERATE, {}, { token: session })).body.data.regenerateCustomerToken.token
  assertTokenRefused(await server.gql(ME, {}, { token: apiToken }), 'JWT_INVALID_TOKEN')
  assert.equal((await server.gql(ME, {}, { token: next })).body.data.me.id, customer.id)
  await server.gql('mutation { tokensDeactivateAll { errors { code } } }', {}, { token: session })
  assertTokenRefused(await server.gql(ME, {}, { token: next }), 'JWT_INVALID_TOKEN')
})

test('a password change ends the customer token too', async () => {
  const { customer, apiToken } = await customerToken()
  await server.gql(
    `mutation { passwordChange(oldPassword: "${PASSWORD}", newPassword: "a fresh and rather long passphrase") { errors { code } } }`,
    {},
    { token: await tokenFor(server.context, customer.id) },
  )
  assertTokenRefused(await server.gql(ME, {}, { token: apiToken }), 'JWT_INVALID_TOKEN')
})

test('staff cannot mint a customer token', async () => {
  const staff = await makeStaff(server.context, ['MANAGE_USERS'])
  const res = await server.gql(REGENERATE, {}, { token: await tokenFor(server.context, staff.id) })
  assert.equal(res.body.data?.regenerateCustomerToken ?? null, null)
  assert.equal((await server.context.prisma.user.findUnique({ where: { id: staff.id } }))!.customerTokenHash, null)
})

test('a made-up token with the prefix is refused as an invalid token', async () => {
  const res = await server.gql(ME, {}, { token: 'ctk_' + 'A'.repeat(43) })
  assertTokenRefused(res, 'JWT_INVALID_TOKEN')
})
