// userImpersonate (API.md §10): staff with IMPERSONATE_USER get a customer's access token for 15
// minutes, with an `act` claim naming them and no refresh token; it is a session of the customer
// (listed, ended by the customer), recorded as IMPERSONATION_STARTED with the staff member as
// actor, and the changes made with it name the staff member too. Who may impersonate whom, and
// when the token dies.
import '../../helpers/env'
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, type TestServer } from '../../helpers/server'
import { tokenFor } from '../../helpers/actors'
import { makeCustomer, makeStaff, makeSuperuser } from '../../helpers/factories'
import { assertTokenRefused } from '../../helpers/refusals'
import { IMPERSONATE, ME_AS, claimsOf, impersonate, supportAndCustomer } from './impersonationClient'

const SESSIONS = '{ me { sessions { id current amr expiresAt } } }'
const REFRESH = `mutation($refreshToken: String) { tokenRefresh(refreshToken: $refreshToken) { token refreshToken errors { field code } } }`

let server: TestServer

before(async () => {
  server = await startServer()
})
after(async () => {
  await server?.stop()
})

test('the token: the customer as sub, the staff member as act, amr imp, 15 minutes, and no refresh token', async () => {
  // given
  const { customer, staff, staffToken } = await supportAndCustomer(server.context)

  // when
  const res = await server.gql(
    IMPERSONATE,
    { id: customer.id, reason: '  Ticket 4711: checkout fails  ' },
    { token: staffToken },
  )

  // then
  const payload = res.body.data.userImpersonate
  assert.deepEqual(payload.errors, [])
  assert.deepEqual(Object.keys(payload).sort(), ['errors', 'token'], 'the payload has no refresh token to give')
  const claims = claimsOf(payload.token)
  assert.equal(claims.sub, customer.id)
  assert.equal(claims.type, 'access')
  assert.deepEqual(claims.act, { sub: staff.id })
  assert.deepEqual(claims.amr, ['imp'])
  assert.equal(claims.exp - claims.iat, 15 * 60)
  assert.ok(Math.abs(claims.exp - (Date.now() / 1000 + 900)) < 60, `exp ${claims.exp}`)
  // the session row names the staff member, ends with the token, and has no refresh generation issued
  const row = await server.context.prisma.authSession.findUniqueOrThrow({ where: { id: claims.sid } })
  assert.equal(row.userId, customer.id)
  assert.equal(row.actorId, staff.id)
  assert.equal(row.amr, 'imp')
  assert.ok(Math.abs(row.expiresAt.getTime() / 1000 - claims.exp) <= 1, 'the session ends with the token')
  // the event, in the same transaction as the session: on the customer, the staff member as actor
  const events = await server.context.prisma.accountEvent.findMany({
    where: { userId: customer.id, type: 'IMPERSONATION_STARTED' },
  })
  assert.equal(events.length, 1)
  assert.equal(events[0]!.actorId, staff.id)
  assert.deepEqual(events[0]!.parameters, { reason: 'Ticket 4711: checkout fails', session_id: claims.sid })
})

test('the token works as the customer: me, me.impersonatedBy, and the session listed among its sessions', async () => {
  // given
  const { customer, staff, staffToken } = await supportAndCustomer(server.context)
  const own = await tokenFor(server.context, customer.id)
  const token = await impersonate(server, staffToken, customer.id)

  // when
  const asCustomer = await server.gql(ME_AS, {}, { token })
  const byCustomer = await server.gql(ME_AS, {}, { token: own })
  const listed = await server.gql(SESSIONS, {}, { token: own })

  // then
  assert.deepEqual(asCustomer.body.data.me, {
    id: customer.id,
    email: customer.email,
    impersonatedBy: { id: staff.id, email: staff.email },
  })
  assert.equal(byCustomer.body.data.me.impersonatedBy, null, 'in its own session, nobody impersonates it')
  const sessions = listed.body.data.me.sessions as { id: string; amr: string[]; expiresAt: string }[]
  const imp = sessions.find(s => s.id === claimsOf(token).sid)
  assert.ok(imp, JSON.stringify(sessions))
  assert.deepEqual(imp.amr, ['imp'])
  assert.ok(Date.parse(imp.expiresAt) <= Date.now() + 15 * 60 * 1000 + 5000, imp.expiresAt)
})

test('impersonatedBy is readable on oneself only: staff reading the customer see null', async () => {
  // given
  const { customer, staffToken } = await supportAndCustomer(server.context)
  await impersonate(server, staffToken, customer.id)
  const manager = await makeStaff(server.context, ['MANAGE_USERS', 'IMPERSONATE_USER'])

  // when
  const res = await server.gql(
    'query($id: ID!) { user(where: { id: $id }) { id impersonatedBy { id } } }',
    { id: customer.id },
    { token: await tokenFor(server.context, manager.id) },
  )

  // then
  assert.equal(res.body.data?.user?.impersonatedBy ?? null, null, JSON.stringify(res.body))
})

test('no refresh: the impersonation token is refused as a refresh token', async () => {
  // given
  const { customer, staffToken } = await supportAndCustomer(server.context)
  const token = await impersonate(server, staffToken, customer.id)

  // when
  const res = await server.gql(REFRESH, { refreshToken: token })

  // then
  const payload = res.body.data.tokenRefresh
  assert.equal(payload.token, null)
  assert.equal(payload.refreshToken, null)
  assert.deepEqual(
    payload.errors.map((e: { code: string }) => e.code),
    ['JWT_INVALID_TOKEN'],
  )
})

test("the customer's sessionRevoke ends the impersonation: its token is refused from the next request", async () => {
  // given
  const { customer, staffToken } = await supportAndCustomer(server.context)
  const own = await tokenFor(server.context, customer.id)
  const token = await impersonate(server, staffToken, customer.id)
  assert.equal((await server.gql(ME_AS, {}, { token })).body.data.me.id, customer.id)

  // when
  const revoked = await server.gql(
    'mutation($id: ID!) { sessionRevoke(id: $id) { errors { code } } }',
    { id: claimsOf(token).sid },
    { token: own },
  )

  // then
  assert.deepEqual(revoked.body.data.sessionRevoke.errors, [])
  assertTokenRefused(await server.gql(ME_AS, {}, { token }), 'JWT_INVALID_TOKEN')
})

test("the customer's tokensDeactivateAll ends the impersonation too", async () => {
  // given
  const { customer, staffToken } = await supportAndCustomer(server.context)
  const own = await tokenFor(server.context, customer.id)
  const token = await impersonate(server, staffToken, customer.id)

  // when
  const res = await server.gql('mutation { tokensDeactivateAll { errors { code } } }', {}, { token: own })

  // then
  assert.deepEqual(res.body.data.tokensDeactivateAll.errors, [])
  assertTokenRefused(await server.gql(ME_AS, {}, { token }), 'JWT_INVALID_TOKEN')
})

test('a staff member who loses IMPERSONATE_USER, or is deactivated, ends its impersonations at once', async () => {
  // given: two impersonations by two staff members
  const customer = await makeCustomer(server.context)
  const demoted = await makeStaff(server.context, ['IMPERSONATE_USER'])
  const deactivated = await makeStaff(server.context, ['IMPERSONATE_USER'])
  const first = await impersonate(server, await tokenFor(server.context, demoted.id), customer.id)
  const second = await impersonate(server, await tokenFor(server.context, deactivated.id), customer.id)

  // when
  await server.context.prisma.permissionGroup.deleteMany({ where: { users: { some: { id: demoted.id } } } })
  await server.context.prisma.user.update({ where: { id: deactivated.id }, data: { isActive: false } })

  // then
  assertTokenRefused(await server.gql(ME_AS, {}, { token: first }), 'JWT_INVALID_TOKEN')
  assertTokenRefused(await server.gql(ME_AS, {}, { token: second }), 'JWT_INVALID_TOKEN')
})

test("an act claim is never trusted alone: the customer's own token with a forged act, or an imp token whose act disagrees", async () => {
  // given: a token signed as the server signs (the tests share its secret), naming another actor
  const { customer, staffToken } = await supportAndCustomer(server.context)
  const other = await makeStaff(server.context, ['IMPERSONATE_USER'])
  const token = await impersonate(server, staffToken, customer.id)
  const { SignJWT } = await import('jose')
  const { createHmac } = await import('node:crypto')
  const { TEST_SESSION_SECRET } = await import('../../helpers/env')
  const key = createHmac('sha256', TEST_SESSION_SECRET).update('jwt-signing-key').digest()
  const claims = claimsOf(token)
  const forged = await new SignJWT({ ...claims, act: { sub: other.id } })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .sign(key)
  const own = claimsOf(await tokenFor(server.context, customer.id))
  const ownWithAct = await new SignJWT({ ...own, act: { sub: other.id } })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .sign(key)

  // then: the same key signs, so only the session row's actor can tell
  assert.equal((await server.gql(ME_AS, {}, { token })).body.data.me.id, customer.id, 'the genuine token works')
  assertTokenRefused(await server.gql(ME_AS, {}, { token: forged }), 'JWT_INVALID_TOKEN')
  assertTokenRefused(await server.gql(ME_AS, {}, { token: ownWithAct }), 'JWT_INVALID_TOKEN')
})

test('who may be impersonated: customers only; staff, oneself, a deactivated or unknown user are refused with clear codes', async () => {
  // given
  const { customer, staff, staffToken } = await supportAndCustomer(server.context)
  const wide = await makeStaff(server.context, ['IMPERSONATE_USER', 'MANAGE_STAFF', 'MANAGE_USERS'])
  const wideToken = await tokenFor(server.context, wide.id)
  const otherStaff = await makeStaff(server.context, [])
  const superuser = await makeSuperuser(server.context)
  const inactive = await makeCustomer(server.context, { isActive: false })
  const codes = async (token: string, id: string, reason = 'Ticket') => {
    const res = await server.gql(IMPERSONATE, { id, reason }, { token })
    assert.equal(res.body.data.userImpersonate.token, null, JSON.stringify(res.body))
    return res.body.data.userImpersonate.errors.map((e: { field: string; code: string }) => `${e.field}:${e.code}`)
  }

  // then
  assert.deepEqual(
    await codes(wideToken, otherStaff.id),
    ['id:IMPERSONATION_FORBIDDEN'],
    'staff, as one who manages staff',
  )
  assert.deepEqual(await codes(wideToken, superuser.id), ['id:NOT_FOUND'], 'a superuser is beyond non-superusers')
  const otherSuperuser = await makeSuperuser(server.context)
  assert.deepEqual(await codes(await tokenFor(server.context, otherSuperuser.id), superuser.id), [
    'id:IMPERSONATION_FORBIDDEN',
  ])
  assert.deepEqual(await codes(staffToken, otherStaff.id), ['id:NOT_FOUND'], 'staff out of reach reads as none')
  assert.deepEqual(await codes(staffToken, staff.id), ['id:IMPERSONATION_FORBIDDEN'], 'oneself')
  assert.deepEqual(await codes(staffToken, inactive.id), ['id:INACTIVE'])
  assert.deepEqual(await codes(staffToken, 'cnotauserid00000000000000'), ['id:NOT_FOUND'])
  assert.deepEqual(await codes(staffToken, customer.id, '   '), ['reason:REQUIRED'])
  assert.deepEqual(await codes(staffToken, customer.id, 'x'.repeat(501)), ['reason:INVALID'])
  assert.equal(await server.context.prisma.authSession.count({ where: { userId: customer.id } }), 0)
  await impersonate(server, staffToken, customer.id, 'x'.repeat(500))
  // nothing began for the refusals
  const sessions = await server.context.prisma.authSession.count({
    where: { amr: 'imp', userId: { in: [otherStaff.id, superuser.id, staff.id, inactive.id] } },
  })
  assert.equal(sessions, 0)
})

test('who may impersonate: IMPERSONATE_USER in a session of its own; not a customer, staff without it, or an impersonation', async () => {
  // given
  const { customer, staffToken } = await supportAndCustomer(server.context)
  const manager = await makeStaff(server.context, ['MANAGE_USERS', 'MANAGE_STAFF'])
  const other = await makeCustomer(server.context)
  const impersonation = await impersonate(server, staffToken, customer.id)
  const call = (token: string | undefined) =>
    server.gql(IMPERSONATE, { id: other.id, reason: 'Ticket' }, token ? { token } : {})

  // when
  const anonymous = await call(undefined)
  const asCustomer = await call(await tokenFor(server.context, customer.id))
  const asManager = await call(await tokenFor(server.context, manager.id))
  const fromImpersonation = await call(impersonation)

  // then
  for (const res of [anonymous, asCustomer, asManager])
    assert.deepEqual(
      res.body.errors?.map((e: any) => e.extensions?.code),
      ['KS_ACCESS_DENIED'],
      JSON.stringify(res.body),
    )
  assert.deepEqual(
    fromImpersonation.body.data.userImpersonate.errors.map((e: { code: string }) => e.code),
    ['IMPERSONATION_FORBIDDEN'],
  )
  assert.equal(await server.context.prisma.authSession.count({ where: { userId: other.id } }), 0)
})
