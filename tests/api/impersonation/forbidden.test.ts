// What an impersonation may not do (API.md §10): change the password, the email, a second factor,
// a passkey or a session, request or confirm the account's deletion, or make a customer API token,
// in either vocabulary: each is IMPERSONATION_FORBIDDEN and changes nothing, even with the right
// password and arguments. Keystone's generated updateUser / deleteUser refuse the same on oneself.
// What it may do (the profile, the address book) succeeds, and each change is recorded with the
// staff member as actor on the customer's own history.
import '../../helpers/env'
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, type TestServer } from '../../helpers/server'
import { PASSWORD } from '../../helpers/factories'
import { tokenFor } from '../../helpers/actors'
import { auditedFields, claimsOf, credentialState, impersonate, supportAndCustomer } from './impersonationClient'

let server: TestServer

before(async () => {
  server = await startServer()
})
after(async () => {
  await server?.stop()
})

type Ctx = { customerId: string; passkeyId: string; ownSessionId: string; impSessionId: string }
type Case = { name: string; query: string; variables?: (c: Ctx) => Record<string, unknown>; payload?: string }

const REDIRECT = 'http://localhost:3000/confirm'
// every mutation an impersonation may not run, with arguments that would otherwise be good
const FORBIDDEN: Case[] = [
  // Saleor's vocabulary
  { name: 'passwordChange', query: `mutation($p: String!) { passwordChange(oldPassword: $p, newPassword: "another horse battery staple") { errors { code } } }`, variables: () => ({ p: PASSWORD }) },
  { name: 'requestEmailChange', query: `mutation($p: String!) { requestEmailChange(password: $p, newEmail: "new-address@example.com", redirectUrl: "${REDIRECT}") { errors { code } } }`, variables: () => ({ p: PASSWORD }) },
  { name: 'confirmEmailChange', query: 'mutation { confirmEmailChange(token: "whatever-token") { errors { code } } }' },
  { name: 'accountRequestDeletion', query: `mutation { accountRequestDeletion(redirectUrl: "${REDIRECT}") { errors { code } } }` },
  { name: 'accountDelete', query: 'mutation { accountDelete(token: "whatever-token") { errors { code } } }' },
  { name: 'accountTotpSetup', query: 'mutation($p: String!) { accountTotpSetup(password: $p) { secret errors { code } } }', variables: () => ({ p: PASSWORD }) },
  { name: 'accountTotpConfirm', query: 'mutation { accountTotpConfirm(code: "123456") { errors { code } } }' },
  { name: 'accountTotpDisable', query: 'mutation($p: String!) { accountTotpDisable(password: $p, code: "123456") { errors { code } } }', variables: () => ({ p: PASSWORD }) },
  { name: 'accountRecoveryCodesRegenerate', query: 'mutation($p: String!) { accountRecoveryCodesRegenerate(password: $p, code: "123456") { errors { code } } }', variables: () => ({ p: PASSWORD }) },
  { name: 'passkeyRegistrationOptions', query: 'mutation { passkeyRegistrationOptions { options errors { code } } }' },
  { name: 'passkeyRegister', query: 'mutation { passkeyRegister(response: {}) { errors { code } } }' },
  { name: 'passkeyRename', query: 'mutation($id: ID!) { passkeyRename(id: $id, name: "Staff key") { errors { code } } }', variables: c => ({ id: c.passkeyId }) },
  { name: 'passkeyDelete', query: 'mutation($id: ID!) { passkeyDelete(id: $id) { errors { code } } }', variables: c => ({ id: c.passkeyId }) },
  { name: 'sessionRevoke (another session)', query: 'mutation($id: ID!) { sessionRevoke(id: $id) { errors { code } } }', variables: c => ({ id: c.ownSessionId }) },
  { name: 'sessionRevoke (its own)', query: 'mutation($id: ID!) { sessionRevoke(id: $id) { errors { code } } }', variables: c => ({ id: c.impSessionId }) },
  { name: 'sessionsRevokeOthers', query: 'mutation { sessionsRevokeOthers { count errors { code } } }' },
  { name: 'tokensDeactivateAll', query: 'mutation { tokensDeactivateAll { errors { code } } }' },
  { name: 'userImpersonate', query: 'mutation($id: ID!) { userImpersonate(id: $id, reason: "again") { token errors { code } } }', variables: c => ({ id: c.customerId }) },
  { name: 'accountDataExport', query: 'mutation { accountDataExport { data errors { code } } }' },
  { name: 'externalAccountUnlink', query: 'mutation { externalAccountUnlink(provider: "corp") { errors { code } } }' },
  // Openfront's vocabulary (coded GraphQL errors)
  { name: 'updateActiveUserPassword', query: 'mutation($p: String!) { updateActiveUserPassword(oldPassword: $p, newPassword: "another horse battery staple", confirmPassword: "another horse battery staple") { id } }', variables: () => ({ p: PASSWORD }) },
  { name: 'regenerateCustomerToken', query: 'mutation { regenerateCustomerToken { success token } }' },
] // prettier-ignore

// the generated API on oneself: refused by the field and list rules that hold for every customer
const GENERATED: Case[] = [
  { name: 'updateUser password', query: 'mutation($id: ID!) { updateUser(where: { id: $id }, data: { password: "another horse battery staple" }) { id } }', variables: c => ({ id: c.customerId }) },
  { name: 'updateUser email', query: 'mutation($id: ID!) { updateUser(where: { id: $id }, data: { email: "new-address@example.com" }) { id } }', variables: c => ({ id: c.customerId }) },
  { name: 'updateUser isActive', query: 'mutation($id: ID!) { updateUser(where: { id: $id }, data: { isActive: false }) { id } }', variables: c => ({ id: c.customerId }) },
  { name: 'deleteUser', query: 'mutation($id: ID!) { deleteUser(where: { id: $id }) { id } }', variables: c => ({ id: c.customerId }) },
] // prettier-ignore

// the codes a response carries: Saleor's errors list, or Openfront's coded GraphQL errors
function codesOf(body: any): string[] {
  const payload = body.data ? Object.values(body.data)[0] : null
  const listed = (payload as { errors?: { code: string }[] } | null)?.errors?.map(e => e.code) ?? []
  const thrown = (body.errors ?? []).map((e: any) => e.extensions?.code)
  return [...listed, ...thrown]
}

async function impersonatedCustomer() {
  const { customer, staff, staffToken } = await supportAndCustomer(server.context)
  const own = await tokenFor(server.context, customer.id)
  const passkey = await server.context.prisma.passkeyCredential.create({
    data: { userId: customer.id, credentialId: `cred-${customer.id}`, publicKey: 'AQID', name: 'Phone' },
  })
  const token = await impersonate(server, staffToken, customer.id)
  const ctx: Ctx = {
    customerId: customer.id,
    passkeyId: passkey.id,
    ownSessionId: claimsOf(own).sid,
    impSessionId: claimsOf(token).sid,
  }
  return { customer, staff, token, own, ctx }
}

for (const c of FORBIDDEN) {
  test(`under impersonation, ${c.name} is IMPERSONATION_FORBIDDEN and changes nothing`, async () => {
    // given
    const { customer, token, ctx } = await impersonatedCustomer()
    const before = await credentialState(server.context, customer.id)

    // when
    const res = await server.gql(c.query, c.variables?.(ctx) ?? {}, { token })

    // then
    assert.deepEqual(codesOf(res.body), ['IMPERSONATION_FORBIDDEN'], JSON.stringify(res.body))
    assert.deepEqual(await credentialState(server.context, customer.id), before)
    // the attempt is on the customer's record, refused
    const field = c.name.split(' ')[0]!
    assert.deepEqual(await auditedFields(server.context, customer.id), [[field, 'REFUSED', 'IMPERSONATION_FORBIDDEN']])
  })
}

for (const c of GENERATED) {
  test(`under impersonation, the generated ${c.name} on oneself is refused and changes nothing`, async () => {
    // given
    const { customer, token, ctx } = await impersonatedCustomer()
    const before = await credentialState(server.context, customer.id)

    // when
    const res = await server.gql(c.query, c.variables?.(ctx) ?? {}, { token })

    // then
    assert.ok(res.body.errors?.length, JSON.stringify(res.body))
    assert.equal(Object.values(res.body.data ?? {})[0] ?? null, null, JSON.stringify(res.body))
    assert.deepEqual(await credentialState(server.context, customer.id), before)
    const field = c.name.split(' ')[0]!
    assert.deepEqual(await auditedFields(server.context, customer.id), [[field, 'REFUSED', 'KS_ACCESS_DENIED']])
  })
}

test('under impersonation, the profile and the address book change, each change with the staff member as actor', async () => {
  // given
  const { customer, staff, token } = await impersonatedCustomer()
  const address =
    '{ firstName: "Casey", lastName: "Customer", streetAddress1: "1 Main St", city: "Springfield", postalCode: "62701", countryArea: "IL", country: "US" }'

  // when
  const saleorName = await server.gql(
    'mutation { accountUpdate(input: { firstName: "Kasey" }) { user { firstName } errors { code } } }',
    {},
    { token },
  )
  const saleorAddress = await server.gql(
    `mutation { accountAddressCreate(input: ${address}, type: SHIPPING) { address { id } errors { field code } } }`,
    {},
    { token },
  )
  const openfront = await server.gql(
    'mutation { updateActiveUser(data: { phone: "+48601234567" }) { phone } }',
    {},
    { token },
  )
  const openfrontAddress = await server.gql(
    `mutation { createActiveUserAddress(data: ${address}) { id } }`,
    {},
    { token },
  )
  const generated = await server.gql(
    'mutation($id: ID!) { updateUser(where: { id: $id }, data: { lastName: "Client" }) { lastName } }',
    { id: customer.id },
    { token },
  )

  // then
  assert.deepEqual(saleorName.body.data.accountUpdate, { user: { firstName: 'Kasey' }, errors: [] })
  assert.deepEqual(saleorAddress.body.data.accountAddressCreate.errors, [], JSON.stringify(saleorAddress.body))
  assert.equal(openfront.body.data?.updateActiveUser?.phone, '+48601234567', JSON.stringify(openfront.body))
  assert.ok(openfrontAddress.body.data?.createActiveUserAddress?.id, JSON.stringify(openfrontAddress.body))
  assert.equal(generated.body.data?.updateUser?.lastName, 'Client', JSON.stringify(generated.body))
  assert.equal(await server.context.prisma.address.count({ where: { userId: customer.id } }), 2)
  // the customer's own history: the impersonation and the name changes, each by the staff member
  const events = await server.context.prisma.accountEvent.findMany({
    where: { userId: customer.id },
    orderBy: { date: 'asc' },
    select: { type: true, actorId: true, parameters: true },
  })
  const since = events
    .slice(events.findIndex(e => e.type === 'IMPERSONATION_STARTED'))
    .filter(e => e.type !== 'IMPERSONATED_CHANGE')
  assert.deepEqual(
    since.map(e => [e.type, e.actorId]),
    [
      ['IMPERSONATION_STARTED', staff.id],
      ['NAME_ASSIGNED', staff.id],
      ['NAME_ASSIGNED', staff.id],
    ],
  )
  // and each operation, those that record nothing of their own included, is audited
  const audited = events.filter(e => e.type === 'IMPERSONATED_CHANGE')
  assert.deepEqual(
    audited.map(e => [e.actorId, (e.parameters as { fields: { field: string }[] }).fields.map(f => f.field)]),
    [
      [staff.id, ['accountUpdate']],
      [staff.id, ['accountAddressCreate']],
      [staff.id, ['updateActiveUser']],
      [staff.id, ['createActiveUserAddress']],
      [staff.id, ['updateUser']],
    ],
  )
})

test('the customer in its own session still changes its sessions, and its events name itself', async () => {
  // given
  const { customer, own, ctx } = await impersonatedCustomer()

  // when
  const res = await server.gql(
    'mutation($id: ID!) { sessionRevoke(id: $id) { errors { code } } }',
    { id: ctx.impSessionId },
    { token: own },
  )

  // then
  assert.deepEqual(res.body.data.sessionRevoke.errors, [])
  const revoked = await server.context.prisma.accountEvent.findFirstOrThrow({
    where: { userId: customer.id, type: 'SESSION_REVOKED' },
  })
  assert.equal(revoked.actorId, customer.id)
})
