// services/identity/authenticate.ts and its strategies: whether a credential is still good is
// decided once, for an API call, tokenVerify and tokenRefresh alike. Each strategy is attacked with
// what an attacker or a stale client holds: a wrong key, another user's key, a deactivated
// account, a token of the other purpose, an expired token, a replaced customer token.
import '../../../helpers/env'
import { after, before, describe, mock, test } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, type TestServer } from '../../../helpers/server'
import { tokenFor } from '../../../helpers/actors'
import { makeCustomer, makeStaff } from '../../../helpers/factories'
import { env } from '../../../../env'
import { authenticate, bearerCredential } from '../../../../services/identity/authenticate'
import { startAdminCookieSession } from '../../../../services/identity/adminSignIn'
import { regenerateCustomerToken } from '../../../../services/identity/customerTokens'
import { columnsThatEndSessions } from '../../../../services/identity/endSessions'
import { issueAccessToken } from '../../../../services/identity/jwt'
import { issueTokens } from '../../../../services/identity/tokens'
import type { Authentication, Credential } from '../../../../services/identity/strategies/strategy'

let server: TestServer

// where a test's sign-in comes from, and a session no token of these tests belongs to
const CLIENT = { ip: '127.0.0.1', userAgent: 'authenticate.test' }
const SIGN_IN = { amr: ['pwd' as const], ...CLIENT }
const NO_SESSION = { id: 'nosession', amr: ['pwd'] }

before(async () => {
  server = await startServer()
})
after(async () => {
  await server?.stop()
})

async function judge(credential: Credential | undefined): Promise<Authentication> {
  assert.ok(credential, 'a credential')
  return authenticate(server.context, credential)
}

function assertAdmitted(result: Authentication, userId: string, via: string): void {
  assert.ok(result.ok, `refused: ${result.ok ? '' : result.reason}`)
  assert.equal(result.session.itemId, userId)
  assert.equal(result.session.via, via)
}

function assertRefused(result: Authentication, reason: string, code = 'JWT_INVALID_TOKEN'): void {
  assert.equal(result.ok, false, 'admitted')
  assert.deepEqual(result.ok ? undefined : { reason: result.reason, code: result.code }, { reason, code })
}

async function deactivate(userId: string): Promise<void> {
  await server.context.prisma.user.update({ where: { id: userId }, data: { isActive: false } })
}

async function tokenKeyOf(userId: string): Promise<string> {
  return (await server.context.prisma.user.findUniqueOrThrow({ where: { id: userId } })).jwtTokenKey!
}

describe('the access and refresh token strategy', () => {
  test('an access token of an active user is admitted on an API call and by tokenVerify, with its claims', async () => {
    // given
    const customer = await makeCustomer(server.context)
    const token = await tokenFor(server.context, customer.id)
    // when
    const bearer = await judge(bearerCredential(`Bearer ${token}`))
    const verified = await judge({ kind: 'accessToken', token })
    // then
    assertAdmitted(bearer, customer.id, 'jwt')
    assertAdmitted(verified, customer.id, 'jwt')
    assert.equal(verified.ok && verified.claims?.email, customer.email)
  })

  test('a token signed with a wrong key is refused as revoked', async () => {
    // given a token whose key is not the one the user holds
    const customer = await makeCustomer(server.context)
    const token = await issueAccessToken({ ...customer, id: customer.id, jwtTokenKey: 'x'.repeat(32) }, NO_SESSION)
    // then
    assertRefused(await judge({ kind: 'accessToken', token }), 'revoked')
    assertRefused(await judge(bearerCredential(`Bearer ${token}`)), 'revoked')
  })

  test("a token for one user carrying another user's key is refused", async () => {
    // given
    const [victim, attacker] = [await makeCustomer(server.context), await makeCustomer(server.context)]
    const token = await issueAccessToken({ ...victim, jwtTokenKey: await tokenKeyOf(attacker.id) }, NO_SESSION)
    // then
    assertRefused(await judge({ kind: 'accessToken', token }), 'revoked')
  })

  test('a rotated key ends access and refresh tokens at once', async () => {
    // given
    const customer = await makeCustomer(server.context)
    const tokens = await issueTokens(
      server.context,
      { ...customer, jwtTokenKey: await tokenKeyOf(customer.id) },
      SIGN_IN,
    )
    // when
    await server.context.prisma.user.update({ where: { id: customer.id }, data: columnsThatEndSessions() })
    // then
    assertRefused(await judge({ kind: 'accessToken', token: tokens.accessToken }), 'revoked')
    assertRefused(await judge({ kind: 'refreshToken', token: tokens.refreshToken }), 'revoked')
  })

  test("a deactivated user's access and refresh tokens are refused", async () => {
    // given
    const customer = await makeCustomer(server.context)
    const tokens = await issueTokens(
      server.context,
      { ...customer, jwtTokenKey: await tokenKeyOf(customer.id) },
      SIGN_IN,
    )
    // when
    await deactivate(customer.id)
    // then
    assertRefused(await judge(bearerCredential(`Bearer ${tokens.accessToken}`)), 'inactive')
    assertRefused(await judge({ kind: 'refreshToken', token: tokens.refreshToken }), 'inactive')
  })

  test('a refresh token is refused where an access token is wanted, on an API call and by tokenVerify', async () => {
    // given
    const customer = await makeCustomer(server.context)
    const { refreshToken } = await issueTokens(
      server.context,
      { ...customer, jwtTokenKey: await tokenKeyOf(customer.id) },
      SIGN_IN,
    )
    // then
    assertRefused(await judge(bearerCredential(`Bearer ${refreshToken}`)), 'wrongPurpose')
    assertRefused(await judge({ kind: 'accessToken', token: refreshToken }), 'wrongPurpose')
  })

  test('an access token is refused where a refresh token is wanted; the refresh token is admitted', async () => {
    // given
    const customer = await makeCustomer(server.context)
    const tokens = await issueTokens(
      server.context,
      { ...customer, jwtTokenKey: await tokenKeyOf(customer.id) },
      SIGN_IN,
    )
    // then
    assertRefused(await judge({ kind: 'refreshToken', token: tokens.accessToken }), 'wrongPurpose')
    const refreshed = await judge({ kind: 'refreshToken', token: tokens.refreshToken })
    assertAdmitted(refreshed, customer.id, 'jwt')
    assert.equal(refreshed.ok && refreshed.claims?.csrf_token, tokens.csrfToken)
  })

  test('an expired token is refused with JWT_SIGNATURE_EXPIRED', async () => {
    // given a token issued twice its lifetime ago
    const customer = await makeCustomer(server.context)
    const jwtTokenKey = await tokenKeyOf(customer.id)
    mock.timers.enable({ apis: ['Date'], now: Date.now() - 2 * env.accessTokenTtl * 1000 })
    let token: string
    try {
      token = await issueAccessToken({ ...customer, jwtTokenKey }, NO_SESSION)
    } finally {
      mock.timers.reset()
    }
    // then
    assertRefused(await judge({ kind: 'accessToken', token }), 'expired', 'JWT_SIGNATURE_EXPIRED')
    assertRefused(await judge(bearerCredential(`Bearer ${token}`)), 'expired', 'JWT_SIGNATURE_EXPIRED')
  })

  test('garbage, a tampered token and a deleted user are refused', async () => {
    // given
    const customer = await makeCustomer(server.context)
    const token = await tokenFor(server.context, customer.id)
    const gone = await makeCustomer(server.context)
    const goneToken = await tokenFor(server.context, gone.id)
    await server.context.prisma.user.delete({ where: { id: gone.id } })
    // then
    assertRefused(await judge({ kind: 'accessToken', token: 'not.a.jwt' }), 'malformed', 'JWT_DECODE_ERROR')
    assertRefused(await judge({ kind: 'accessToken', token: `${token.slice(0, -2)}xx` }), 'forged')
    assertRefused(await judge({ kind: 'accessToken', token: goneToken }), 'noSuchUser')
    assertRefused(await judge(bearerCredential('Bearer not.a.jwt')), 'malformed', 'JWT_DECODE_ERROR')
  })

  test('a header of another scheme, or a Bearer without a token, presents no credential', () => {
    for (const header of [`Basic ${'x'.repeat(20)}`, 'Bearer', 'Bearer   ', 'Bearerish abc', 'JWT abc'])
      assert.equal(bearerCredential(header), undefined, header)
    assert.deepEqual(bearerCredential('bearer  abc '), { kind: 'bearer', token: 'abc' })
  })
})

describe('the customer API token strategy', () => {
  test('a customer token acts as its customer; after regeneration the old one finds nobody', async () => {
    // given
    const customer = await makeCustomer(server.context)
    const first = await regenerateCustomerToken(server.context, customer.id)
    assertAdmitted(await judge(bearerCredential(`Bearer ${first}`)), customer.id, 'customerToken')
    // when
    const second = await regenerateCustomerToken(server.context, customer.id)
    // then
    assertRefused(await judge(bearerCredential(`Bearer ${first}`)), 'noSuchUser')
    assertAdmitted(await judge(bearerCredential(`Bearer ${second}`)), customer.id, 'customerToken')
  })

  test("a deactivated customer's token, a staff member's and a token ended with its sessions are refused", async () => {
    // given
    const [idle, promoted, signedOut] = [
      await makeCustomer(server.context),
      await makeCustomer(server.context),
      await makeCustomer(server.context),
    ]
    const idleToken = await regenerateCustomerToken(server.context, idle.id)
    const promotedToken = await regenerateCustomerToken(server.context, promoted.id)
    const signedOutToken = await regenerateCustomerToken(server.context, signedOut.id)
    // when
    await deactivate(idle.id)
    await server.context.prisma.user.update({ where: { id: promoted.id }, data: { isStaff: true } })
    await server.context.prisma.user.update({ where: { id: signedOut.id }, data: columnsThatEndSessions() })
    // then
    assertRefused(await judge(bearerCredential(`Bearer ${idleToken}`)), 'inactive')
    assertRefused(await judge(bearerCredential(`Bearer ${promotedToken}`)), 'notCustomer')
    assertRefused(await judge(bearerCredential(`Bearer ${signedOutToken}`)), 'noSuchUser')
  })

  test('a customer token is no access or refresh token: tokenVerify and tokenRefresh refuse it', async () => {
    const customer = await makeCustomer(server.context)
    const token = await regenerateCustomerToken(server.context, customer.id)
    assertRefused(await judge({ kind: 'accessToken', token }), 'malformed', 'JWT_DECODE_ERROR')
    assertRefused(await judge({ kind: 'refreshToken', token }), 'malformed', 'JWT_DECODE_ERROR')
  })
})

describe('the Admin UI cookie strategy', () => {
  test("the cookie sealed at sign-in acts as its staff member until the user's key rotates", async () => {
    // given
    const staff = await makeStaff(server.context, ['MANAGE_USERS'])
    const sealed = await startAdminCookieSession(server.context, staff.id, CLIENT)
    assertAdmitted(
      await judge({ kind: 'adminCookie', itemId: staff.id, key: sealed.key, sessionId: sealed.sessionId }),
      staff.id,
      'cookie',
    )
    // when
    await server.context.prisma.user.update({ where: { id: staff.id }, data: columnsThatEndSessions() })
    // then
    assertRefused(
      await judge({ kind: 'adminCookie', itemId: staff.id, key: sealed.key, sessionId: sealed.sessionId }),
      'revoked',
    )
  })

  test("a wrong key, another user's key and a deactivated user are refused", async () => {
    // given
    const [staff, other] = [await makeStaff(server.context, []), await makeStaff(server.context, [])]
    const own = await startAdminCookieSession(server.context, staff.id, CLIENT)
    const others = await startAdminCookieSession(server.context, other.id, CLIENT)
    // then
    assertRefused(
      await judge({ kind: 'adminCookie', itemId: staff.id, key: 'x'.repeat(43), sessionId: own.sessionId }),
      'revoked',
    )
    assertRefused(
      await judge({ kind: 'adminCookie', itemId: staff.id, key: others.key, sessionId: own.sessionId }),
      'revoked',
    )
    assertRefused(
      await judge({ kind: 'adminCookie', itemId: staff.id, key: await tokenKeyOf(staff.id), sessionId: own.sessionId }),
      'revoked',
    )
    await deactivate(staff.id)
    assertRefused(
      await judge({ kind: 'adminCookie', itemId: staff.id, key: own.key, sessionId: own.sessionId }),
      'inactive',
    )
  })
})
