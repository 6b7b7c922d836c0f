// A customer's own sessions (API.md §9): every sign-in is one, listed by `me { sessions }` with the
// current one marked; sessionRevoke ends another device's session, whose access and refresh tokens
// are refused from its very next request; sessionsRevokeOthers ends all but the caller's.
import '../../helpers/env'
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, type TestServer } from '../../helpers/server'
import { makeCustomer } from '../../helpers/factories'
import { assertTokenRefused } from '../../helpers/refusals'
import { issueOneTimeToken } from '../../../services/identity/oneTimeTokens'
import {
  ME,
  REFRESH_SDK,
  REVOKE_OTHERS,
  SESSION_REVOKE,
  claimsOf,
  errorCodes,
  mySessions,
  signIn,
} from './sessionClient'

const PHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) Mobile/15E148 Safari/604.1'
const LAPTOP = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36'
const TOKEN_VERIFY = 'mutation($token: String!) { tokenVerify(token: $token) { isValid errors { field code } } }'
const SET_PASSWORD = `mutation($email: String!, $token: String!, $password: String!) {
  setPassword(email: $email, token: $token, password: $password) { token refreshToken errors { field code } } }`

let server: TestServer

before(async () => {
  server = await startServer()
})
after(async () => {
  await server?.stop()
})

test('two devices: me { sessions } lists both, with what each client sent and the caller marked current', async () => {
  // given
  const customer = await makeCustomer(server.context)
  const phone = await signIn(server, customer.email, PHONE)
  const laptop = await signIn(server, customer.email, LAPTOP)

  // when
  const fromPhone = await mySessions(server, phone.token)
  const fromLaptop = await mySessions(server, laptop.token)

  // then
  assert.equal(fromPhone.length, 2)
  assert.deepEqual(new Set(fromPhone.map(s => s.id)), new Set([phone.sessionId, laptop.sessionId]))
  assert.deepEqual(
    fromPhone.map(s => [s.userAgent, s.current]).sort(),
    [
      [LAPTOP, false],
      [PHONE, true],
    ].sort(),
  )
  assert.deepEqual(fromLaptop.find(s => s.current)?.id, laptop.sessionId)
  assert.equal(fromLaptop.filter(s => s.current).length, 1)
  for (const session of fromPhone) {
    assert.deepEqual(session.amr, ['pwd'])
    assert.equal(session.ip, '127.0.0.1')
    assert.ok(Date.parse(session.createdAt) <= Date.now() + 1000, session.createdAt)
    assert.ok(session.lastUsedAt && Date.parse(session.lastUsedAt) >= Date.parse(session.createdAt))
    // the refresh token's lifetime: a month ahead, not a few minutes
    assert.ok(Date.parse(session.expiresAt) > Date.now() + 24 * 3600 * 1000, session.expiresAt)
  }
  // the access token names its session and how it signed in
  assert.deepEqual(claimsOf(phone.token).amr, ['pwd'])
})

test("device A ends device B's session: B's next request and its refresh are refused, A goes on", async () => {
  // given: B has just been served
  const customer = await makeCustomer(server.context)
  const a = await signIn(server, customer.email, LAPTOP)
  const b = await signIn(server, customer.email, PHONE)
  assert.equal((await server.gql(ME, {}, { token: b.token })).body.data.me.id, customer.id)

  // when
  const revoked = await server.gql(SESSION_REVOKE, { id: b.sessionId }, { token: a.token })

  // then
  assert.deepEqual(revoked.body.data.sessionRevoke.errors, [])
  assertTokenRefused(await server.gql(ME, {}, { token: b.token }), 'JWT_INVALID_TOKEN', "B's access token")
  const refresh = await server.gql(REFRESH_SDK, { refreshToken: b.refreshToken })
  assert.deepEqual(errorCodes(refresh.body.data.tokenRefresh), ['JWT_INVALID_TOKEN'])
  assert.equal(refresh.body.data.tokenRefresh.token, null)
  const verify = await server.gql(TOKEN_VERIFY, { token: b.token })
  assert.deepEqual(verify.body.data.tokenVerify, {
    isValid: false,
    errors: [{ field: 'token', code: 'JWT_INVALID_TOKEN' }],
  })
  assert.equal((await server.gql(ME, {}, { token: a.token })).body.data.me.id, customer.id)
  assert.deepEqual(
    (await mySessions(server, a.token)).map(s => s.id),
    [a.sessionId],
  )
})

test('a device may end its own session: its token is refused from then on', async () => {
  const customer = await makeCustomer(server.context)
  const a = await signIn(server, customer.email, LAPTOP)
  const revoked = await server.gql(SESSION_REVOKE, { id: a.sessionId }, { token: a.token })
  assert.deepEqual(revoked.body.data.sessionRevoke.errors, [])
  assertTokenRefused(await server.gql(ME, {}, { token: a.token }), 'JWT_INVALID_TOKEN')
})

test('sessionsRevokeOthers ends every other session, answers how many, and keeps the current one', async () => {
  // given: four devices
  const customer = await makeCustomer(server.context)
  const devices = []
  for (const agent of ['one', 'two', 'three', 'four']) devices.push(await signIn(server, customer.email, agent))
  const [keeper, ...others] = devices

  // when
  const res = await server.gql(REVOKE_OTHERS, {}, { token: keeper!.token })

  // then
  assert.deepEqual(res.body.data.sessionsRevokeOthers, { count: 3, errors: [] })
  for (const other of others) {
    assertTokenRefused(await server.gql(ME, {}, { token: other.token }), 'JWT_INVALID_TOKEN', other.userAgent)
    assert.deepEqual(
      errorCodes((await server.gql(REFRESH_SDK, { refreshToken: other.refreshToken })).body.data.tokenRefresh),
      ['JWT_INVALID_TOKEN'],
    )
  }
  const events = await server.context.prisma.accountEvent.findMany({
    where: { userId: customer.id, type: 'SESSION_REVOKED' },
  })
  assert.deepEqual(
    events.map(e => [e.actorId, e.parameters]),
    [[customer.id, { count: 3, kept_session_id: keeper!.sessionId }]],
  )
  const left = await mySessions(server, keeper!.token)
  assert.deepEqual(
    left.map(s => [s.id, s.current]),
    [[keeper!.sessionId, true]],
  )
  // with nothing else left, a second call ends nothing
  assert.deepEqual((await server.gql(REVOKE_OTHERS, {}, { token: keeper!.token })).body.data.sessionsRevokeOthers, {
    count: 0,
    errors: [],
  })
})

test('setPassword signs in with a session of its own, listed beside the others', async () => {
  // given
  const customer = await makeCustomer(server.context)
  const before = await signIn(server, customer.email, LAPTOP)
  const resetToken = await issueOneTimeToken(server.context, { userId: customer.id, purpose: 'PASSWORD_RESET' })

  // when
  const res = await server.gql(
    SET_PASSWORD,
    { email: customer.email, token: resetToken, password: 'a fresh and rather long passphrase' },
    { headers: { 'user-agent': PHONE } },
  )

  // then: the reset ended the earlier session, and the new one is listed
  assert.deepEqual(res.body.data.setPassword.errors, [])
  const token = res.body.data.setPassword.token as string
  assertTokenRefused(await server.gql(ME, {}, { token: before.token }), 'JWT_INVALID_TOKEN')
  const sessions = await mySessions(server, token)
  assert.deepEqual(
    sessions.map(s => [s.id, s.current, s.userAgent, s.amr]),
    [[claimsOf(token).sid, true, PHONE, ['pwd']]],
  )
})
