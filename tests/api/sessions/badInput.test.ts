// Sessions under bad input and at the edges (issue 19): an id that names nothing the caller may end
// is NOT_FOUND and changes nothing; a token whose session just ended is refused; a deleted user's
// sessions are gone with it; a huge User-Agent is refused or cut; a thousand sessions on one user
// list the most recent hundred, and signing in still works.
import '../../helpers/env'
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, type TestServer } from '../../helpers/server'
import { PASSWORD, makeCustomer, makeStaff } from '../../helpers/factories'
import { tokenFor } from '../../helpers/actors'
import { assertTokenRefused } from '../../helpers/refusals'
import {
  ME,
  REFRESH_SDK,
  REVOKE_OTHERS,
  SESSION_REVOKE,
  TOKEN_CREATE,
  errorCodes,
  mySessions,
  signIn,
} from './sessionClient'

const DEACTIVATE_ALL = 'mutation { tokensDeactivateAll { errors { field code } } }'
const PASSWORD_CHANGE = `mutation($old: String, $new: String!) {
  passwordChange(oldPassword: $old, newPassword: $new) { errors { field code } } }`
const CUSTOMER_DELETE = 'mutation($id: ID!) { customerDelete(id: $id) { errors { field code } } }'
const REGENERATE = 'mutation { regenerateCustomerToken { token } }'
const NEW_PASSWORD = 'another long and fresh passphrase'

let server: TestServer

before(async () => {
  server = await startServer()
})
after(async () => {
  await server?.stop()
})

async function liveRows(userId: string) {
  return server.context.prisma.authSession.count({ where: { userId, endedAt: null } })
}

test('sessionRevoke of a malformed id, of an unknown id and of another user’s session is NOT_FOUND and ends nothing', async () => {
  // given
  const customer = await makeCustomer(server.context)
  const other = await makeCustomer(server.context)
  const mine = await signIn(server, customer.email, 'mine')
  const theirs = await signIn(server, other.email, 'theirs')

  // when
  const ids = [
    '',
    'not a session',
    '\'; DROP TABLE "AuthSession"; --',
    'x'.repeat(10_000),
    'cl0000000000000000000000000',
    theirs.sessionId,
  ]
  const answers = []
  for (const id of ids) answers.push(await server.gql(SESSION_REVOKE, { id }, { token: mine.token }))

  // then
  for (const [i, res] of answers.entries()) {
    assert.deepEqual(
      res.body.data?.sessionRevoke?.errors,
      [{ field: 'id', code: 'NOT_FOUND' }],
      `${ids[i]!.slice(0, 40)}: ${JSON.stringify(res.body)}`,
    )
  }
  assert.equal((await server.gql(ME, {}, { token: theirs.token })).body.data.me.id, other.id)
  assert.equal((await server.gql(ME, {}, { token: mine.token })).body.data.me.id, customer.id)
  assert.equal(await liveRows(other.id), 1)
})

test('a session revoked again is NOT_FOUND, the same answer as one that never was', async () => {
  const customer = await makeCustomer(server.context)
  const a = await signIn(server, customer.email, 'a')
  const b = await signIn(server, customer.email, 'b')
  assert.deepEqual(
    (await server.gql(SESSION_REVOKE, { id: b.sessionId }, { token: a.token })).body.data.sessionRevoke.errors,
    [],
  )
  const again = await server.gql(SESSION_REVOKE, { id: b.sessionId }, { token: a.token })
  assert.deepEqual(again.body.data.sessionRevoke.errors, [{ field: 'id', code: 'NOT_FOUND' }])
  const events = await server.context.prisma.accountEvent.count({
    where: { userId: customer.id, type: 'SESSION_REVOKED' },
  })
  assert.equal(events, 1)
  assert.equal((await server.gql(ME, {}, { token: a.token })).body.data.me.id, customer.id)
})

test('sessionsRevokeOthers from a token whose own session was just ended is refused as an invalid token', async () => {
  // given: B ends A's session
  const customer = await makeCustomer(server.context)
  const a = await signIn(server, customer.email, 'a')
  const b = await signIn(server, customer.email, 'b')
  await server.gql(SESSION_REVOKE, { id: a.sessionId }, { token: b.token })

  // when
  const res = await server.gql(REVOKE_OTHERS, {}, { token: a.token })

  // then: B lives on
  assertTokenRefused(res, 'JWT_INVALID_TOKEN')
  assert.equal((await server.gql(ME, {}, { token: b.token })).body.data.me.id, customer.id)
})

test('the refresh token of a deleted user is refused, and the user’s session rows are gone', async () => {
  // given
  const customer = await makeCustomer(server.context)
  const staff = await makeStaff(server.context, ['MANAGE_USERS'])
  const device = await signIn(server, customer.email, 'doomed')
  assert.equal(await liveRows(customer.id), 1)

  // when
  const deleted = await server.gql(
    CUSTOMER_DELETE,
    { id: customer.id },
    { token: await tokenFor(server.context, staff.id) },
  )

  // then
  assert.deepEqual(deleted.body.data.customerDelete.errors, [])
  const refresh = await server.gql(REFRESH_SDK, { refreshToken: device.refreshToken })
  assert.deepEqual(errorCodes(refresh.body.data.tokenRefresh), ['JWT_INVALID_TOKEN'])
  assertTokenRefused(await server.gql(ME, {}, { token: device.token }), 'JWT_INVALID_TOKEN')
  assert.equal(await server.context.prisma.authSession.count({ where: { id: device.sessionId } }), 0)
})

test('a refused sign-in begins no session: a wrong password, a deactivated account', async () => {
  const customer = await makeCustomer(server.context)
  const inactive = await makeCustomer(server.context, { isActive: false })
  const wrong = await server.gql(TOKEN_CREATE, { email: customer.email, password: 'not the password at all' })
  const deactivated = await server.gql(TOKEN_CREATE, { email: inactive.email, password: PASSWORD })
  for (const res of [wrong, deactivated]) {
    assert.equal(res.body.data.tokenCreate.token, null, JSON.stringify(res.body))
    assert.ok(res.body.data.tokenCreate.errors.length > 0)
  }
  const rows = await server.context.prisma.authSession.count({ where: { userId: { in: [customer.id, inactive.id] } } })
  assert.equal(rows, 0)
})

test('a User-Agent of 100 KB is refused by the HTTP server (431, as JSON with a code), and begins no session', async () => {
  const customer = await makeCustomer(server.context)
  const response = await fetch(`${server.url}/api/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': 'A'.repeat(100 * 1024) },
    body: JSON.stringify({ query: TOKEN_CREATE, variables: { email: customer.email, password: PASSWORD } }),
  })
  assert.equal(response.status, 431)
  assert.match(response.headers.get('content-type') ?? '', /^application\/json/)
  const body = (await response.json()) as { errors: { message: string; extensions: { code: string } }[] }
  assert.equal(body.errors[0]?.extensions.code, 'REQUEST_HEADER_FIELDS_TOO_LARGE')
  assert.doesNotMatch(JSON.stringify(body), /AAAA/, 'the refusal quotes no header')
  assert.equal(await server.context.prisma.authSession.count({ where: { userId: customer.id } }), 0)
  // and the server goes on serving
  await signIn(server, customer.email, 'a sane agent')
})

test('a User-Agent of 15 KB signs in, and the session keeps its first 512 characters', async () => {
  const customer = await makeCustomer(server.context)
  const agent = `Mozilla/5.0 ${'x'.repeat(15 * 1024)}`
  const device = await signIn(server, customer.email, agent)
  const [session] = await mySessions(server, device.token)
  assert.equal(session!.userAgent, agent.slice(0, 512))
})

test('a customer API token can neither end a session nor the others', async () => {
  // given
  const customer = await makeCustomer(server.context)
  const device = await signIn(server, customer.email, 'browser')
  const apiToken = (await server.gql(REGENERATE, {}, { token: device.token })).body.data.regenerateCustomerToken.token
  assert.match(apiToken, /^ctk_/)

  // when
  const revoke = await server.gql(SESSION_REVOKE, { id: device.sessionId }, { token: apiToken })
  const others = await server.gql(REVOKE_OTHERS, {}, { token: apiToken })

  // then
  for (const res of [revoke, others])
    assert.equal(res.body.errors?.[0]?.extensions?.code, 'KS_ACCESS_DENIED', JSON.stringify(res.body))
  assert.equal((await server.gql(ME, {}, { token: device.token })).body.data.me.id, customer.id)
  // nor read them
  const read = await server.gql('{ me { id sessions { id } } }', {}, { token: apiToken })
  assert.equal(read.body.data?.me?.sessions ?? null, null, JSON.stringify(read.body))
})

test('tokensDeactivateAll and passwordChange end every session: a new sign-in lists only itself', async () => {
  for (const end of ['tokensDeactivateAll', 'passwordChange'] as const) {
    // given: three devices
    const customer = await makeCustomer(server.context)
    const devices = []
    for (const agent of ['one', 'two', 'three']) devices.push(await signIn(server, customer.email, agent))

    // when
    const res =
      end === 'tokensDeactivateAll'
        ? await server.gql(DEACTIVATE_ALL, {}, { token: devices[0]!.token })
        : await server.gql(PASSWORD_CHANGE, { old: PASSWORD, new: NEW_PASSWORD }, { token: devices[0]!.token })

    // then
    assert.deepEqual(res.body.data[end].errors, [], end)
    for (const device of devices) {
      assertTokenRefused(await server.gql(ME, {}, { token: device.token }), 'JWT_INVALID_TOKEN', end)
      const refresh = await server.gql(REFRESH_SDK, { refreshToken: device.refreshToken })
      assert.deepEqual(errorCodes(refresh.body.data.tokenRefresh), ['JWT_INVALID_TOKEN'], end)
    }
    const fresh = await signIn(server, customer.email, 'fresh', end === 'passwordChange' ? NEW_PASSWORD : PASSWORD)
    assert.deepEqual(
      (await mySessions(server, fresh.token)).map(s => [s.id, s.current]),
      [[fresh.sessionId, true]],
      end,
    )
  }
})

test('1,000 sessions on one user: the list answers the 100 most recently used, the current first, and sign-in still works', async () => {
  // given: a thousand older sessions, bound to the user's key
  const customer = await makeCustomer(server.context)
  const user = await server.context.prisma.user.findUniqueOrThrow({ where: { id: customer.id } })
  const now = Date.now()
  await server.context.prisma.authSession.createMany({
    data: Array.from({ length: 1000 }, (_, i) => ({
      userId: customer.id,
      kind: 'tokens',
      tokenKey: user.jwtTokenKey!,
      amr: 'pwd',
      ip: '203.0.113.9',
      userAgent: `device ${i}`,
      createdAt: new Date(now - 3_600_000 - i * 1000),
      lastUsedAt: new Date(now - 3_600_000 - i * 1000),
      expiresAt: new Date(now + 86_400_000),
    })),
  })

  // when
  const device = await signIn(server, customer.email, 'the newest')
  const sessions = await mySessions(server, device.token)

  // then
  assert.equal(sessions.length, 100)
  assert.deepEqual(
    sessions.slice(0, 3).map(s => [s.userAgent, s.current]),
    [
      ['the newest', true],
      ['device 0', false],
      ['device 1', false],
    ],
  )
  assert.equal(sessions.at(-1)!.userAgent, 'device 98')
  assert.equal(sessions.filter(s => s.current).length, 1)
  // and ending them all but this one is one answer
  const others = await server.gql(REVOKE_OTHERS, {}, { token: device.token })
  assert.deepEqual(others.body.data.sessionsRevokeOthers, { count: 1000, errors: [] })
  assert.equal((await mySessions(server, device.token)).length, 1)
})
