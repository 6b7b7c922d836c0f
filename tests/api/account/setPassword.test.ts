// setPassword and confirmAccount: one-time tokens are single use, purpose-bound, user-bound and
// short-lived; every refusal is the same INVALID on token and changes nothing.
import '../../helpers/env'
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, type TestServer } from '../../helpers/server'
import { PASSWORD, makeCustomer } from '../../helpers/factories'
import { assertTokenRefused } from '../../helpers/refusals'
import { hashToken, issueOneTimeToken } from '../../../services/identity/oneTimeTokens'

const SET_PASSWORD = `mutation($email: String!, $token: String!, $password: String!) { setPassword(email: $email, token: $token, password: $password) { token errors { field code } } }`
const CONFIRM = `mutation($email: String!, $token: String!) { confirmAccount(email: $email, token: $token) { user { id } errors { field code } } }`
const NEW_PASSWORD = 'a fresh and rather long passphrase'

let server: TestServer

before(async () => {
  server = await startServer()
})
after(async () => {
  await server?.stop()
})

async function passwordOf(id: string) {
  return (await server.context.prisma.user.findUnique({ where: { id } }))!.password
}

test('setPassword with a valid reset token sets the password and signs the user in', async () => {
  const customer = await makeCustomer(server.context)
  const token = await issueOneTimeToken(server.context, { userId: customer.id, purpose: 'PASSWORD_RESET' })
  const res = await server.gql(SET_PASSWORD, { email: customer.email, token, password: NEW_PASSWORD })
  assert.deepEqual(res.body.data.setPassword.errors, [])
  assert.ok(res.body.data.setPassword.token)
  const stored = await server.context.prisma.oneTimeToken.findUnique({ where: { tokenHash: hashToken(token) } })
  assert.ok(stored?.usedAt)
})

const refusals: [string, (userId: string, otherId: string) => Promise<string>][] = [
  [
    'a reused token',
    async userId => {
      const token = await issueOneTimeToken(server.context, { userId, purpose: 'PASSWORD_RESET' })
      await server.context.prisma.oneTimeToken.update({
        where: { tokenHash: hashToken(token) },
        data: { usedAt: new Date() },
      })
      return token
    },
  ],
  [
    'an expired token',
    async userId => {
      const token = await issueOneTimeToken(server.context, { userId, purpose: 'PASSWORD_RESET' })
      await server.context.prisma.oneTimeToken.update({
        where: { tokenHash: hashToken(token) },
        data: { expiresAt: new Date(Date.now() - 1000) },
      })
      return token
    },
  ],
  [
    'a token of another purpose',
    userId => issueOneTimeToken(server.context, { userId, purpose: 'ACCOUNT_CONFIRMATION' }),
  ],
  [
    "another user's token",
    (_userId, otherId) => issueOneTimeToken(server.context, { userId: otherId, purpose: 'PASSWORD_RESET' }),
  ],
  [
    'a token replaced by a newer request',
    async userId => {
      const older = await issueOneTimeToken(server.context, { userId, purpose: 'PASSWORD_RESET' })
      await issueOneTimeToken(server.context, { userId, purpose: 'PASSWORD_RESET' })
      return older
    },
  ],
  ['a made-up token', async () => 'made-up-token'],
]

for (const [label, makeToken] of refusals) {
  test(`setPassword refuses ${label} with INVALID on token, and the password stays`, async () => {
    // given
    const customer = await makeCustomer(server.context)
    const other = await makeCustomer(server.context)
    const token = await makeToken(customer.id, other.id)
    const before = await passwordOf(customer.id)
    // when
    const res = await server.gql(SET_PASSWORD, { email: customer.email, token, password: NEW_PASSWORD })
    // then
    assert.deepEqual(res.body.data.setPassword, { token: null, errors: [{ field: 'token', code: 'INVALID' }] })
    assert.equal(await passwordOf(customer.id), before)
    assert.equal(
      await passwordOf(other.id),
      (await server.context.prisma.user.findUnique({ where: { id: other.id } }))!.password,
    )
  })
}

test('setPassword with a weak password reports the policy and does not spend the token', async () => {
  const customer = await makeCustomer(server.context)
  const token = await issueOneTimeToken(server.context, { userId: customer.id, purpose: 'PASSWORD_RESET' })
  const weak = await server.gql(SET_PASSWORD, { email: customer.email, token, password: 'password' })
  assert.deepEqual(
    weak.body.data.setPassword.errors.map((e: { code: string }) => e.code),
    ['PASSWORD_TOO_COMMON'],
  )
  const retry = await server.gql(SET_PASSWORD, { email: customer.email, token, password: NEW_PASSWORD })
  assert.deepEqual(retry.body.data.setPassword.errors, [])
})

test('setPassword ends every token the user held before', async () => {
  const customer = await makeCustomer(server.context)
  const login = await server.gql(
    'mutation($e: String!, $p: String!) { tokenCreate(email: $e, password: $p) { token } }',
    { e: customer.email, p: PASSWORD },
  )
  const oldToken = login.body.data.tokenCreate.token
  const token = await issueOneTimeToken(server.context, { userId: customer.id, purpose: 'PASSWORD_RESET' })
  await server.gql(SET_PASSWORD, { email: customer.email, token, password: NEW_PASSWORD })
  assertTokenRefused(await server.gql('{ me { id } }', {}, { token: oldToken }), 'JWT_INVALID_TOKEN')
})

test("confirmAccount refuses a reset token and another user's confirmation token, and confirms nothing", async () => {
  const customer = await makeCustomer(server.context, { isConfirmed: false })
  const other = await makeCustomer(server.context, { isConfirmed: false })
  const reset = await issueOneTimeToken(server.context, { userId: customer.id, purpose: 'PASSWORD_RESET' })
  const othersToken = await issueOneTimeToken(server.context, { userId: other.id, purpose: 'ACCOUNT_CONFIRMATION' })
  for (const token of [reset, othersToken]) {
    const res = await server.gql(CONFIRM, { email: customer.email, token })
    assert.deepEqual(res.body.data.confirmAccount, { user: null, errors: [{ field: 'token', code: 'INVALID' }] })
  }
  assert.equal((await server.context.prisma.user.findUnique({ where: { id: customer.id } }))!.isConfirmed, false)
  assert.equal((await server.context.prisma.user.findUnique({ where: { id: other.id } }))!.isConfirmed, false)
})
