// Sessions and refresh rotation as an attacker tries them (the issue 19 review): a customer API
// token reading sessions through a payload, staff reaching wider staff, foreign ids, a CSRF token of
// another session, a retired refresh token after the grace, a selection @include leaves out, the
// Admin UI cookie after its session ended, a huge user agent, a deleted user, forged claims.
import '../../helpers/env'
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, type TestServer } from '../../helpers/server'
import { PASSWORD, makeCustomer, makeStaff, makeSuperuser, makeAddress } from '../../helpers/factories'
import { assertTokenRefused } from '../../helpers/refusals'

const TOKEN_CREATE = `mutation($email: String!, $password: String!) {
  tokenCreate(email: $email, password: $password) { token refreshToken csrfToken errors { field code } } }`
const REFRESH_ROTATE = `mutation($refreshToken: String, $csrfToken: String) {
  tokenRefresh(refreshToken: $refreshToken, csrfToken: $csrfToken) { token refreshToken csrfToken errors { field code } } }`
const REFRESH_SDK = `mutation($refreshToken: String, $csrfToken: String) {
  tokenRefresh(refreshToken: $refreshToken, csrfToken: $csrfToken) { token errors { field code } } }`
const SESSIONS = '{ me { id sessions { id current ip userAgent amr } } }'
const REVOKE = 'mutation($id: ID!) { sessionRevoke(id: $id) { errors { field code } } }'
const ADMIN_SIGN_IN = `mutation($email: String!, $password: String!) {
  authenticateUserWithPassword(email: $email, password: $password) { __typename } }`

let server: TestServer
// long enough that a twin sent right after its first lands within it on a loaded machine
const GRACE_SECONDS = 4
const PAST_GRACE_MS = GRACE_SECONDS * 1000 + 700

before(async () => {
  server = await startServer({ env: { REFRESH_REUSE_GRACE_SECONDS: String(GRACE_SECONDS) } })
})
after(async () => {
  await server?.stop()
})

async function signIn(email: string, headers: Record<string, string> = {}) {
  const res = await server.gql(TOKEN_CREATE, { email, password: PASSWORD }, { headers })
  assert.deepEqual(res.body.data.tokenCreate.errors, [], JSON.stringify(res.body))
  const cookie = res.headers
    .getSetCookie()
    .find(c => c.startsWith('refreshToken='))!
    .split(';')[0]!
  return { cookie, ...(res.body.data.tokenCreate as { token: string; refreshToken: string; csrfToken: string }) }
}

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms))

test('a customer API token cannot read the sessions (ids, IPs, user agents) through a payload user', async () => {
  const customer = await makeCustomer(server.context)
  const device = await signIn(customer.email, { 'user-agent': 'Victim-Phone/1.0' })
  const issued = await server.gql('mutation { regenerateCustomerToken { token } }', {}, { token: device.token })
  const apiToken = issued.body.data.regenerateCustomerToken.token as string
  assert.ok(apiToken, JSON.stringify(issued.body))
  // the rule: a customer API token does not reach sessions
  const me = await server.gql(SESSIONS, {}, { token: apiToken })
  assert.equal(me.body.data?.me?.sessions, null, JSON.stringify(me.body))
  // the same user, read as a payload's user
  const viaPayload = await server.gql(
    'mutation { accountUpdate(input: {}) { user { sessions { id ip userAgent } } errors { code } } }',
    {},
    { token: apiToken },
  )
  assert.equal(viaPayload.body.data?.accountUpdate?.user?.sessions ?? null, null, JSON.stringify(viaPayload.body))
})

test('support staff (MANAGE_USERS) reach no staff member sessions by any path; full staff no superuser', async () => {
  const support = await makeStaff(server.context, ['MANAGE_USERS'])
  const full = await makeStaff(server.context, ['MANAGE_USERS', 'MANAGE_STAFF'])
  const root = await makeSuperuser(server.context)
  const supportS = await signIn(support.email)
  const fullS = await signIn(full.email)
  const rootS = await signIn(root.email)
  await makeAddress(server.context, root.id)
  await makeAddress(server.context, full.id)
  const rootSessions = (await server.gql(SESSIONS, {}, { token: rootS.token })).body.data.me.sessions
  const fullSessions = (await server.gql(SESSIONS, {}, { token: fullS.token })).body.data.me.sessions
  const queries = [
    `{ user(where: { id: "${root.id}" }) { sessions { id } } }`,
    `{ users(where: { id: { in: ["${root.id}", "${full.id}"] } }) { id sessions { id } } }`,
    `{ addresses { user { id sessions { id } } } }`,
    `{ permissionGroups { users { id sessions { id } } } }`,
    `{ accountEvents { user { sessions { id } } actor { sessions { id } } } }`,
  ]
  for (const [caller, token, victims] of [
    ['support', supportS.token, [rootSessions, fullSessions]],
    ['full', fullS.token, [rootSessions]],
  ] as const) {
    for (const query of queries) {
      const res = await server.gql(query, {}, { token })
      const text = JSON.stringify(res.body)
      for (const list of victims) for (const s of list) assert.ok(!text.includes(s.id), `${caller} ${query}: ${text}`)
    }
    for (const list of victims) {
      const res = await server.gql(REVOKE, { id: list[0].id }, { token })
      assert.deepEqual(res.body.data.sessionRevoke.errors, [{ field: 'id', code: 'NOT_FOUND' }], caller)
    }
  }
  // and they are all still alive
  for (const token of [rootS.token, fullS.token])
    assert.ok((await server.gql('{ me { id } }', {}, { token })).body.data.me)
})

test('a customer reaches no other customer session, and sessionRevoke answers the same for every unreachable id', async () => {
  const a = await makeCustomer(server.context)
  const b = await makeCustomer(server.context)
  const sa = await signIn(a.email)
  const sb = await signIn(b.email)
  const bSession = (await server.gql(SESSIONS, {}, { token: sb.token })).body.data.me.sessions[0].id
  const answers = []
  for (const id of [bSession, 'clxxxxxxxxxxxxxxxxxxxxxxx', 'not-an-id', "' OR 1=1 --", bSession.toUpperCase()]) {
    const res = await server.gql(REVOKE, { id }, { token: sa.token })
    answers.push(JSON.stringify(res.body))
  }
  assert.equal(new Set(answers).size, 1, answers.join('\n'))
  assert.ok((await server.gql('{ me { id } }', {}, { token: sb.token })).body.data.me)
})

test('a refresh token of session A with the CSRF token of session B is refused, and neither session changes', async () => {
  const customer = await makeCustomer(server.context)
  const a = await signIn(customer.email)
  const b = await signIn(customer.email)
  const res = await server.gql(REFRESH_ROTATE, { csrfToken: b.csrfToken }, { cookie: a.cookie })
  assert.deepEqual(res.body.data.tokenRefresh.errors, [{ field: 'csrfToken', code: 'JWT_INVALID_CSRF_TOKEN' }])
  // A's token is still current: a rotation with its own CSRF works
  const ok = await server.gql(REFRESH_ROTATE, { csrfToken: a.csrfToken }, { cookie: a.cookie })
  assert.deepEqual(ok.body.data.tokenRefresh.errors, [])
})

test('a retired refresh token after the grace ends the session, its access token, and the successor', async () => {
  const customer = await makeCustomer(server.context)
  const s = await signIn(customer.email)
  const rotated = (await server.gql(REFRESH_ROTATE, { refreshToken: s.refreshToken })).body.data.tokenRefresh
  assert.ok(rotated.refreshToken)
  // within grace: the same successor
  const twin = (await server.gql(REFRESH_ROTATE, { refreshToken: s.refreshToken })).body.data.tokenRefresh
  assert.equal(twin.refreshToken, rotated.refreshToken)
  await sleep(PAST_GRACE_MS)
  const replay = await server.gql(REFRESH_SDK, { refreshToken: s.refreshToken })
  assert.equal(replay.body.data.tokenRefresh.errors[0].code, 'JWT_INVALID_TOKEN')
  assertTokenRefused(await server.gql('{ me { id } }', {}, { token: rotated.token }), 'JWT_INVALID_TOKEN')
  const next = await server.gql(REFRESH_SDK, { refreshToken: rotated.refreshToken })
  assert.equal(next.body.data.tokenRefresh.errors[0].code, 'JWT_INVALID_TOKEN')
  const events = await server.context.prisma.accountEvent.findMany({
    where: { userId: customer.id, type: 'REFRESH_TOKEN_REUSED' },
  })
  assert.equal(events.length, 1)
})

test('a payload that does not return the rotated token does not rotate it (@include(if: false))', async () => {
  const customer = await makeCustomer(server.context)
  const s = await signIn(customer.email)
  const res = await server.gql(
    `mutation($r: String) { tokenRefresh(refreshToken: $r) { token refreshToken @include(if: false) errors { code } } }`,
    { r: s.refreshToken },
  )
  assert.deepEqual(res.body.data.tokenRefresh.errors, [])
  await sleep(PAST_GRACE_MS)
  // the client still holds only the token it had: it must keep working
  const again = await server.gql(REFRESH_SDK, { refreshToken: s.refreshToken })
  assert.deepEqual(again.body.data.tokenRefresh.errors, [], JSON.stringify(again.body))
})

test('the Admin UI cookie is refused after "Sign out this session" and after sign-out', async () => {
  const staff = await makeStaff(server.context, ['MANAGE_USERS'])
  const signed = await server.gql(ADMIN_SIGN_IN, { email: staff.email, password: PASSWORD })
  const cookie = signed.headers
    .getSetCookie()
    .find(c => c.startsWith('keystonejs-session='))!
    .split(';')[0]!
  const listed = await server.gql(SESSIONS, {}, { cookie })
  const current = listed.body.data.me.sessions.find((s: { current: boolean }) => s.current)
  assert.ok(current, JSON.stringify(listed.body))
  const other = await signIn(staff.email)
  const revoked = await server.gql(REVOKE, { id: current.id }, { token: other.token })
  assert.deepEqual(revoked.body.data.sessionRevoke.errors, [])
  const after = await server.gql('{ me { id } }', {}, { cookie })
  assert.equal(after.body.data?.me ?? null, null, JSON.stringify(after.body))
  // revoked again: NOT_FOUND
  const again = await server.gql(REVOKE, { id: current.id }, { token: other.token })
  assert.deepEqual(again.body.data.sessionRevoke.errors, [{ field: 'id', code: 'NOT_FOUND' }])
  // sign-out ends the row
  const signed2 = await server.gql(ADMIN_SIGN_IN, { email: staff.email, password: PASSWORD })
  const cookie2 = signed2.headers
    .getSetCookie()
    .find(c => c.startsWith('keystonejs-session='))!
    .split(';')[0]!
  await server.gql('mutation { endSession }', {}, { cookie: cookie2 })
  const after2 = await server.gql('{ me { id } }', {}, { cookie: cookie2 })
  assert.equal(after2.body.data?.me ?? null, null, JSON.stringify(after2.body))
})

test('a 100 KB user agent is cut; control characters do not reach the listing', async () => {
  const customer = await makeCustomer(server.context)
  const ua = `<img src=x onerror=alert(1)>\u00e9${'A'.repeat(10000)}`
  const s = await signIn(customer.email, { 'user-agent': ua })
  const listed = (await server.gql(SESSIONS, {}, { token: s.token })).body.data.me.sessions
  assert.ok(listed[0].userAgent.length <= 512)
  console.log('UA stored as', JSON.stringify(listed[0].userAgent.slice(0, 40)))
})

test('a deleted user: its refresh token is refused and its sessions rows are gone', async () => {
  const customer = await makeCustomer(server.context)
  const s = await signIn(customer.email)
  const root = await makeSuperuser(server.context)
  const rs = await signIn(root.email)
  const del = await server.gql(
    `mutation { customerDelete(id: "${customer.id}") { errors { code } } }`,
    {},
    { token: rs.token },
  )
  assert.deepEqual(del.body.data.customerDelete.errors, [], JSON.stringify(del.body))
  const res = await server.gql(REFRESH_SDK, { refreshToken: s.refreshToken })
  assert.equal(res.body.data.tokenRefresh.errors[0].code, 'JWT_INVALID_TOKEN')
  assert.equal(await server.context.prisma.authSession.count({ where: { userId: customer.id } }), 0)
})

test('me is not a write on every request (lastUsedAt at most once a minute)', async () => {
  const customer = await makeCustomer(server.context)
  const s = await signIn(customer.email)
  const before = await server.context.prisma.authSession.findFirst({ where: { userId: customer.id } })
  for (let i = 0; i < 5; i++) await server.gql('{ me { id } }', {}, { token: s.token })
  const afterRow = await server.context.prisma.authSession.findFirst({ where: { userId: customer.id } })
  assert.equal(afterRow!.lastUsedAt!.getTime(), before!.lastUsedAt!.getTime())
})

test('signed tokens naming a session that is not theirs, a future generation, or no session are refused', async () => {
  const { issueAccessToken, issueRefreshToken, jwtIssuer } = await import('../../../services/identity/jwt')
  const { SignJWT } = await import('jose')
  const { createHmac } = await import('node:crypto')
  const a = await makeCustomer(server.context)
  const b = await makeCustomer(server.context)
  await signIn(a.email)
  const sb = await signIn(b.email)
  const aRow = await server.context.prisma.user.findUniqueOrThrow({ where: { id: a.id } })
  const bSession = await server.context.prisma.authSession.findFirstOrThrow({ where: { userId: b.id } })
  const aUser = { id: a.id, email: a.email, isStaff: false, jwtTokenKey: aRow.jwtTokenKey }
  // A's key, B's session id
  const crossed = await issueAccessToken(aUser, { id: bSession.id, amr: ['pwd'] })
  assertTokenRefused(await server.gql('{ me { id } }', {}, { token: crossed }), 'JWT_INVALID_TOKEN')
  // A's own session, a generation never issued
  const aSession = await server.context.prisma.authSession.findFirstOrThrow({ where: { userId: a.id } })
  const future = await issueRefreshToken(
    aUser,
    { id: aSession.id, amr: ['pwd'] },
    {
      generation: 7,
      issuedAt: new Date(),
      expiresAt: aSession.expiresAt,
    },
  )
  const res = await server.gql(REFRESH_SDK, { refreshToken: future })
  assert.equal(res.body.data.tokenRefresh.errors[0]?.code, 'JWT_INVALID_TOKEN')
  // A's session still fine after that (a forged future generation must not end it either way)
  // no sid at all (a token from before sessions)
  const key = createHmac('sha256', process.env.SESSION_SECRET!).update('jwt-signing-key').digest()
  const now = Math.floor(Date.now() / 1000)
  const old = await new SignJWT({
    type: 'access',
    user_id: a.id,
    email: a.email,
    is_staff: false,
    token: aRow.jwtTokenKey,
  })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(a.id)
    .setIssuer(jwtIssuer)
    .setIssuedAt(now)
    .setExpirationTime(now + 300)
    .sign(key)
  assertTokenRefused(await server.gql('{ me { id } }', {}, { token: old }), 'JWT_INVALID_TOKEN')
  assert.ok((await server.gql('{ me { id } }', {}, { token: sb.token })).body.data.me)
})
