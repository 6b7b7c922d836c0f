// Wrong second-factor codes count in the sign-in throttle (API.md §9): per account and client, as
// wrong passwords do, so a client that knows the password cannot try codes faster than it could
// try passwords: past the free failures it is answered LOGIN_ATTEMPT_DELAYED, on tokenCreateMfa
// and on tokenCreate alike, and the delayed answer uses neither the code nor the challenge.
import '../../helpers/env'
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, type TestServer } from '../../helpers/server'
import { PASSWORD, makeCustomer } from '../../helpers/factories'
import { IP_ACCOUNT_POLICY } from '../../../services/identity/throttle'
import {
  TOKEN_CREATE,
  TOTP_DISABLE,
  answer,
  awayFromStepEdge,
  challengeFor,
  codeFor,
  codesOf,
  confirmedLongAgo,
  enrol,
} from './mfaClient'

let server: TestServer

before(async () => {
  server = await startServer({ env: { TRUST_PROXY: '1' } })
})
after(async () => {
  await server?.stop()
})

test('wrong codes past the free failures answer LOGIN_ATTEMPT_DELAYED, using no code and no challenge', async () => {
  const user = await enrol(server, await makeCustomer(server.context))
  await confirmedLongAgo(server, user.userId)
  const ip = '203.0.113.77'
  // two challenges first: the password step that gives each is a success, which forgives the
  // client's failures on the account, as after a right password
  const first = await challengeFor(server, user.email, ip)
  const second = await challengeFor(server, user.email, ip)
  await awayFromStepEdge(15_000)
  const right = codeFor(user.secret)
  const wrong = right === '000000' ? '111111' : '000000'
  const answers: string[][] = []
  for (let i = 0; i < IP_ACCOUNT_POLICY.freeFailures; i++) answers.push(codesOf(await answer(server, first, wrong, ip)))
  answers.push(codesOf(await answer(server, second, wrong, ip)))
  assert.deepEqual(
    answers,
    Array.from({ length: IP_ACCOUNT_POLICY.freeFailures + 1 }, () => ['INVALID_MFA_CODE']),
  )

  // when: the right code, at once
  const delayed = await answer(server, second, right, ip)

  // then
  assert.deepEqual(delayed.errors, [{ field: 'code', code: 'LOGIN_ATTEMPT_DELAYED' }])
  assert.equal(delayed.token, null)
  const password = await server.gql(
    TOKEN_CREATE,
    { email: user.email, password: PASSWORD },
    { headers: { 'x-forwarded-for': ip } },
  )
  assert.deepEqual(password.body.data.tokenCreate.errors, [{ field: 'email', code: 'LOGIN_ATTEMPT_DELAYED' }])
  const challenge = await server.context.prisma.authChallenge.findMany({ where: { userId: user.userId } })
  assert.deepEqual(challenge.map(row => [row.failures, row.usedAt]).sort(), [
    [1, null],
    [5, null],
  ])
  // once the delay has passed, the same code still signs in on the second challenge
  await new Promise(resolve => setTimeout(resolve, 2_500))
  const later = await answer(server, second, right, ip)
  assert.deepEqual(later.errors, [])
  assert.ok(later.token)
})

test('wrong codes to turn TOTP off count in the same throttle: then LOGIN_ATTEMPT_DELAYED, and it stays on', async () => {
  const user = await enrol(server, await makeCustomer(server.context))
  await confirmedLongAgo(server, user.userId)
  const client = { token: user.token, headers: { 'x-forwarded-for': '203.0.113.78' } }
  await awayFromStepEdge(15_000)
  const right = codeFor(user.secret)
  const wrong = right === '000000' ? '111111' : '000000'
  const answers: string[][] = []
  for (let i = 0; i <= IP_ACCOUNT_POLICY.freeFailures; i++) {
    const res = await server.gql(TOTP_DISABLE, { password: PASSWORD, code: wrong }, client)
    answers.push(codesOf(res.body.data.accountTotpDisable))
  }
  assert.deepEqual(
    answers,
    Array.from({ length: IP_ACCOUNT_POLICY.freeFailures + 1 }, () => ['INVALID_MFA_CODE']),
  )

  const delayed = await server.gql(TOTP_DISABLE, { password: PASSWORD, code: right }, client)

  assert.deepEqual(delayed.body.data.accountTotpDisable.errors, [{ field: 'code', code: 'LOGIN_ATTEMPT_DELAYED' }])
  const row = await server.context.prisma.user.findUniqueOrThrow({ where: { id: user.userId } })
  assert.ok(row.totpEnabledAt)
})
