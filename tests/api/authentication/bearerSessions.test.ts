// Bearer access tokens on every API call: a valid token acts as its user; no token (or a header of
// another scheme) is anonymous; a token that is presented but not good is refused with its JWT_*
// code, whatever the operation, as Saleor answers it, so a storefront can tell a bad token from none.
import '../../helpers/env'
import { after, before, mock, test } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, type TestServer } from '../../helpers/server'
import { tokenFor } from '../../helpers/actors'
import { PASSWORD, makeCustomer } from '../../helpers/factories'
import { assertTokenRefused } from '../../helpers/refusals'
import { logLinesAfter } from '../../helpers/logLines'
import { env } from '../../../env'
import { issueAccessToken, newTokenKey } from '../../../services/identity/jwt'
import { regenerateCustomerToken } from '../../../services/identity/customerTokens'
import { trusted } from '../../../services/kernel'

const ME = '{ me { id email } }'
const TOKEN_CREATE = `mutation($email: String!, $password: String!) {
  tokenCreate(email: $email, password: $password) { token refreshToken errors { field code } } }`
const TOKEN_REFRESH = `mutation($refreshToken: String) { tokenRefresh(refreshToken: $refreshToken) { token errors { field code } } }`
const TOKEN_VERIFY = `mutation($token: String!) { tokenVerify(token: $token) { isValid errors { field code } } }`
const REGISTER = `mutation($input: AccountRegisterInput!) { accountRegister(input: $input) { errors { field code } } }`
const DEACTIVATE_ALL = 'mutation { tokensDeactivateAll { errors { field code } } }'

let server: TestServer

before(async () => {
  server = await startServer()
})
after(async () => {
  await server?.stop()
})

function withHeader(authorization: string) {
  return { headers: { authorization } }
}

async function signIn(email: string): Promise<{ token: string; refreshToken: string }> {
  const res = await server.gql(TOKEN_CREATE, { email, password: PASSWORD })
  assert.deepEqual(res.body.data.tokenCreate.errors, [])
  return res.body.data.tokenCreate
}

// an access token of this user whose lifetime ended a lifetime ago, signed as the server signs
async function expiredTokenFor(userId: string): Promise<string> {
  const user = await server.context.prisma.user.findUniqueOrThrow({ where: { id: userId } })
  mock.timers.enable({ apis: ['Date'], now: Date.now() - 2 * env.accessTokenTtl * 1000 })
  try {
    return await issueAccessToken(
      {
        id: user.id,
        email: user.email,
        isStaff: user.isStaff,
        jwtTokenKey: user.jwtTokenKey,
      },
      { id: 'expired-session', amr: ['pwd'] },
    )
  } finally {
    mock.timers.reset()
  }
}

test("me with a valid access token answers the token's user", async () => {
  const customer = await makeCustomer(server.context)
  const res = await server.gql(ME, {}, { token: await tokenFor(server.context, customer.id) })
  assert.deepEqual(res.body, { data: { me: { id: customer.id, email: customer.email } } })
})

test('no token, a Bearer without a token and a header of another scheme are anonymous, not refused', async () => {
  const customer = await makeCustomer(server.context)
  const token = await tokenFor(server.context, customer.id)
  for (const credentials of [{}, withHeader('Bearer'), withHeader('Bearer   '), withHeader(`Basic ${token}`)]) {
    const res = await server.gql(ME, {}, credentials)
    assert.deepEqual(res.body, { data: { me: null } }, JSON.stringify(credentials))
  }
})

test('a malformed token is refused with JWT_DECODE_ERROR, not answered as anonymous', async () => {
  for (const bad of ['garbage', 'undefined', 'not.a.jwt', 'two words']) {
    const res = await server.gql(ME, {}, withHeader(`Bearer ${bad}`))
    assertTokenRefused(res, 'JWT_DECODE_ERROR', bad)
  }
})

test('an expired access token is refused with JWT_SIGNATURE_EXPIRED', async () => {
  const customer = await makeCustomer(server.context)
  const res = await server.gql(ME, {}, { token: await expiredTokenFor(customer.id) })
  assertTokenRefused(res, 'JWT_SIGNATURE_EXPIRED')
  assert.equal(res.body.errors[0].message, 'Signature has expired')
})

test('a tampered, re-signed or foreign token is refused with JWT_INVALID_TOKEN', async () => {
  const customer = await makeCustomer(server.context)
  const token = await tokenFor(server.context, customer.id)
  const [header, payload, signature] = token.split('.')
  const promoted = Buffer.from(
    JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), is_staff: true }),
  ).toString('base64url')
  const otherSignature = Buffer.from('x'.repeat(32)).toString('base64url')
  for (const bad of [`${header}.${promoted}.${signature}`, `${header}.${payload}.${otherSignature}`]) {
    assertTokenRefused(await server.gql(ME, {}, { token: bad }), 'JWT_INVALID_TOKEN', bad)
  }
})

test('a refresh token used as an access token is refused with JWT_INVALID_TOKEN', async () => {
  const customer = await makeCustomer(server.context)
  const { refreshToken } = await signIn(customer.email)
  assertTokenRefused(await server.gql(ME, {}, { token: refreshToken }), 'JWT_INVALID_TOKEN')
})

test('tokensDeactivateAll, a rotated key, deactivation and a deleted user end the token: JWT_INVALID_TOKEN', async () => {
  const [signedOut, rotated, idle, gone] = [
    await makeCustomer(server.context),
    await makeCustomer(server.context),
    await makeCustomer(server.context),
    await makeCustomer(server.context),
  ]
  const tokens = {
    signedOut: (await signIn(signedOut.email)).token,
    rotated: await tokenFor(server.context, rotated.id),
    idle: await tokenFor(server.context, idle.id),
    gone: await tokenFor(server.context, gone.id),
  }
  // when
  assert.deepEqual((await server.gql(DEACTIVATE_ALL, {}, { token: tokens.signedOut })).body.data, {
    tokensDeactivateAll: { errors: [] },
  })
  const users = trusted(server.context, null).db.User
  await users.updateOne({ where: { id: rotated.id }, data: { jwtTokenKey: newTokenKey() } })
  await users.updateOne({ where: { id: idle.id }, data: { isActive: false } })
  await server.context.prisma.user.delete({ where: { id: gone.id } })
  // then
  for (const [name, token] of Object.entries(tokens))
    assertTokenRefused(await server.gql(ME, {}, { token }), 'JWT_INVALID_TOKEN', name)
})

test('a replaced customer API token is refused with JWT_INVALID_TOKEN; the new one acts as its customer', async () => {
  const customer = await makeCustomer(server.context)
  const first = await regenerateCustomerToken(server.context, customer.id)
  const second = await regenerateCustomerToken(server.context, customer.id)
  assertTokenRefused(await server.gql(ME, {}, { token: first }), 'JWT_INVALID_TOKEN')
  assert.equal((await server.gql(ME, {}, { token: second })).body.data.me.id, customer.id)
})

test('tokenCreate, tokenRefresh, tokenVerify and accountRegister sent with a stale token are refused and do nothing', async () => {
  // given a storefront that kept an expired access token in its Authorization header
  const customer = await makeCustomer(server.context)
  const stale = { token: await expiredTokenFor(customer.id) }
  const { token, refreshToken } = await signIn(customer.email)
  const newEmail = `stale-header-${Date.now()}@example.com`
  const register = {
    input: { email: newEmail, password: 'an entirely new passphrase', redirectUrl: 'http://localhost:3001/c' },
  }
  const operations: [string, string, Record<string, unknown>][] = [
    ['tokenCreate', TOKEN_CREATE, { email: customer.email, password: PASSWORD }],
    ['tokenRefresh', TOKEN_REFRESH, { refreshToken }],
    ['tokenVerify', TOKEN_VERIFY, { token }],
    ['accountRegister', REGISTER, register],
  ]
  for (const [name, query, variables] of operations) {
    // when
    const res = await server.gql(query, variables, stale)
    // then: the operation did not run
    assertTokenRefused(res, 'JWT_SIGNATURE_EXPIRED', name)
  }
  assert.equal(await server.context.prisma.user.count({ where: { email: newEmail } }), 0)
  // and without the header each answers as it always has
  assert.equal((await server.gql(TOKEN_REFRESH, { refreshToken })).body.data.tokenRefresh.errors.length, 0)
  assert.equal((await server.gql(TOKEN_VERIFY, { token })).body.data.tokenVerify.isValid, true)
  assert.deepEqual((await server.gql(REGISTER, register)).body.data.accountRegister.errors, [])
})

test('a refused token is logged by its code, at info, never with the token', async () => {
  const customer = await makeCustomer(server.context)
  const expired = await expiredTokenFor(customer.id)
  const offset = server.output().length
  await server.gql(ME, {}, { token: expired })
  const lines = await logLinesAfter(server, offset, line => line.msg === 'graphql error JWT_SIGNATURE_EXPIRED')
  assert.deepEqual(
    lines.map(line => ({ level: line.level, graphql: line.graphql })),
    [{ level: 'info', graphql: { code: 'JWT_SIGNATURE_EXPIRED' } }],
  )
  assert.doesNotMatch(server.output().slice(offset), new RegExp(expired.split('.')[2]!))
})
