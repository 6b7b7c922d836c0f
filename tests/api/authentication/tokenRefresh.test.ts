// tokenRefresh, tokenVerify and tokensDeactivateAll: CSRF for the cookie, revocation, verification.
import '../../helpers/env'
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, type TestServer } from '../../helpers/server'
import { PASSWORD, makeCustomer } from '../../helpers/factories'
import { assertTokenRefused } from '../../helpers/refusals'

const TOKEN_CREATE =
  'mutation($email: String!, $password: String!) { tokenCreate(email: $email, password: $password) { token refreshToken csrfToken } }'
const TOKEN_REFRESH =
  'mutation($refreshToken: String, $csrfToken: String) { tokenRefresh(refreshToken: $refreshToken, csrfToken: $csrfToken) { token user { id } errors { field code } } }'
const TOKEN_VERIFY =
  'mutation($token: String!) { tokenVerify(token: $token) { isValid payload user { id } errors { field code } } }'
const DEACTIVATE = 'mutation { tokensDeactivateAll { errors { field code } } }'

let server: TestServer

before(async () => {
  server = await startServer()
})
after(async () => {
  await server?.stop()
})

async function signIn() {
  const customer = await makeCustomer(server.context)
  const res = await server.gql(TOKEN_CREATE, { email: customer.email, password: PASSWORD })
  const cookie = res.headers
    .getSetCookie()
    .find(c => c.startsWith('refreshToken='))!
    .split(';')[0]!
  return {
    customer,
    cookie,
    ...(res.body.data.tokenCreate as { token: string; refreshToken: string; csrfToken: string }),
  }
}

test('tokenRefresh with the refresh token as an argument needs no CSRF token (as @saleor/auth-sdk sends it)', async () => {
  const { customer, refreshToken } = await signIn()
  const res = await server.gql(TOKEN_REFRESH, { refreshToken })
  assert.deepEqual(res.body.data.tokenRefresh.errors, [])
  assert.equal(res.body.data.tokenRefresh.user.id, customer.id)
})

test('tokenRefresh from the cookie is refused without the CSRF token or with a wrong one', async () => {
  const { cookie } = await signIn()
  const missing = await server.gql(TOKEN_REFRESH, {}, { cookie })
  const wrong = await server.gql(TOKEN_REFRESH, { csrfToken: 'forged' }, { cookie })
  for (const res of [missing, wrong]) {
    assert.deepEqual(res.body.data.tokenRefresh.errors, [{ field: 'csrfToken', code: 'JWT_INVALID_CSRF_TOKEN' }])
    assert.equal(res.body.data.tokenRefresh.token, null)
  }
})

test('tokenRefresh without any refresh token answers JWT_MISSING_TOKEN', async () => {
  const res = await server.gql(TOKEN_REFRESH, {})
  assert.deepEqual(res.body.data.tokenRefresh.errors, [{ field: 'refreshToken', code: 'JWT_MISSING_TOKEN' }])
})

test('tokenRefresh refuses an access token in place of a refresh token, and garbage', async () => {
  const { token } = await signIn()
  assert.equal(
    (await server.gql(TOKEN_REFRESH, { refreshToken: token })).body.data.tokenRefresh.errors[0].code,
    'JWT_INVALID_TOKEN',
  )
  assert.equal(
    (await server.gql(TOKEN_REFRESH, { refreshToken: 'not.a.jwt' })).body.data.tokenRefresh.errors[0].code,
    'JWT_DECODE_ERROR',
  )
})

test('tokenVerify tells a valid token with its claims, without the revocation key', async () => {
  const { customer, token } = await signIn()
  const res = await server.gql(TOKEN_VERIFY, { token })
  const { isValid, payload, user } = res.body.data.tokenVerify
  assert.equal(isValid, true)
  assert.equal(user.id, customer.id)
  assert.equal(payload.email, customer.email)
  assert.equal(payload.is_staff, false)
  assert.equal(payload.iss, 'http://identity.test/api/graphql')
  assert.equal(typeof payload.exp, 'number')
  assert.equal(payload.token, undefined)
})

test('tokensDeactivateAll ends every access and refresh token of the caller at once', async () => {
  // given
  const { token, refreshToken } = await signIn()
  // when
  const res = await server.gql(DEACTIVATE, {}, { token })
  // then
  assert.deepEqual(res.body.data.tokensDeactivateAll.errors, [])
  assertTokenRefused(await server.gql('{ me { id } }', {}, { token }), 'JWT_INVALID_TOKEN')
  assert.equal(
    (await server.gql(TOKEN_REFRESH, { refreshToken })).body.data.tokenRefresh.errors[0].code,
    'JWT_INVALID_TOKEN',
  )
  const verify = await server.gql(TOKEN_VERIFY, { token })
  assert.equal(verify.body.data.tokenVerify.isValid, false)
  assert.equal(verify.body.data.tokenVerify.errors[0].code, 'JWT_INVALID_TOKEN')
})

test('tokensDeactivateAll without a session is refused with KS_ACCESS_DENIED', async () => {
  const res = await server.gql(DEACTIVATE)
  assert.equal(res.body.errors?.[0]?.extensions?.code, 'KS_ACCESS_DENIED')
})
