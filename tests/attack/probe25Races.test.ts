// Races across mutations of the second factor (issue 20, third review), on one process and on two
// processes of one PostgreSQL database: one code presented at once to two different mutations
// (a sign-in and a change of the factor). "HELD" marks what held when written.
import '../helpers/env'
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { databaseSkipReason, startServer, type TestServer } from '../helpers/server'
import { PASSWORD, makeCustomer } from '../helpers/factories'
import {
  CODES_REGENERATE,
  TOTP_DISABLE,
  answer,
  awayFromStepEdge,
  challengeFor,
  codeFor,
  confirmedLongAgo,
  enrol,
} from '../api/mfa/mfaClient'

let host = 1
const newIp = () => `198.51.${host}.${host++}`

function races(pair: () => [TestServer, TestServer]) {
  test('HELD: one recovery code at once in tokenCreateMfa and accountTotpDisable is accepted once', async () => {
    const [left, right] = pair()
    const user = await enrol(left, await makeCustomer(left.context))
    const ip = newIp()
    const challenge = await challengeFor(left, user.email, ip)
    const code = user.recoveryCodes[0]!
    const [signIn, disable] = await Promise.all([
      answer(left, challenge, code, ip),
      right.gql(TOTP_DISABLE, { password: PASSWORD, code }, { token: user.token, headers: { 'x-forwarded-for': ip } }),
    ])
    const disabled = disable.body.data?.accountTotpDisable?.errors?.length === 0
    const accepted = Number(Boolean(signIn.token)) + Number(disabled)
    assert.equal(accepted, 1, JSON.stringify({ signIn, disable: disable.body }))
  })

  test('HELD: one TOTP code at once in tokenCreateMfa and accountRecoveryCodesRegenerate is accepted once', async () => {
    const [left, right] = pair()
    const user = await enrol(left, await makeCustomer(left.context))
    await confirmedLongAgo(left, user.userId)
    const ip = newIp()
    const challenge = await challengeFor(left, user.email, ip)
    await awayFromStepEdge()
    const code = codeFor(user.secret)
    const [signIn, regenerate] = await Promise.all([
      answer(left, challenge, code, ip),
      right.gql(
        CODES_REGENERATE,
        { password: PASSWORD, code },
        { token: user.token, headers: { 'x-forwarded-for': ip } },
      ),
    ])
    const regenerated = regenerate.body.data?.accountRecoveryCodesRegenerate?.errors?.length === 0
    const accepted = Number(Boolean(signIn.token)) + Number(regenerated)
    assert.equal(accepted, 1, JSON.stringify({ signIn, regenerate: regenerate.body }))
  })

  test('HELD: two recovery-code regenerations at once leave one set of ten codes', async () => {
    const [left, right] = pair()
    const user = await enrol(left, await makeCustomer(left.context))
    const ip = newIp()
    const regenerate = (server: TestServer, code: string) =>
      server.gql(
        CODES_REGENERATE,
        { password: PASSWORD, code },
        { token: user.token, headers: { 'x-forwarded-for': ip } },
      )
    const [a, b] = await Promise.all([
      regenerate(left, user.recoveryCodes[0]!),
      regenerate(right, user.recoveryCodes[1]!),
    ])
    const sets = [a, b].map(res => res.body.data?.accountRecoveryCodesRegenerate?.recoveryCodes).filter(Boolean)
    const live = await left.context.prisma.recoveryCode.count({ where: { userId: user.userId, usedAt: null } })
    assert.ok(sets.length >= 1, JSON.stringify([a.body, b.body]))
    assert.equal(live, 10, `${sets.length} regenerations answered; ${live} unused recovery codes stored`)
  })
}

describe('on one process', () => {
  let server: TestServer
  before(async () => {
    server = await startServer({ env: { TRUST_PROXY: '1' } })
  })
  after(async () => {
    await server?.stop()
  })
  races(() => [server, server])
})

describe('on two processes of one PostgreSQL database', { skip: databaseSkipReason('postgresql') }, () => {
  let first: TestServer
  let second: TestServer
  before(async () => {
    first = await startServer({ database: 'postgresql', env: { TRUST_PROXY: '1' } })
    second = await startServer({ databaseUrl: first.databaseUrl, env: { TRUST_PROXY: '1' } })
  })
  after(async () => {
    await second?.stop()
    await first?.stop()
  })
  races(() => [first, second])
})
