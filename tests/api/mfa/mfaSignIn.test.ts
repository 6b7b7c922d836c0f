// The two-step sign-in (API.md §9): tokenCreate answers an enrolled user's right password with
// MFA_REQUIRED and a challenge, and a wrong one exactly as for any account; tokenCreateMfa finishes
// it with a TOTP code (its own step or one either side, once per user) or a recovery code (once,
// in any case, with or without its dash). Challenges are single-use, of one user, live 5 minutes
// and die after 5 wrong codes. setPassword answers an enrolled user as tokenCreate does.
import '../../helpers/env'
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, type TestServer } from '../../helpers/server'
import { startMailbox, type Mailbox } from '../../helpers/mailbox'
import { PASSWORD, makeCustomer } from '../../helpers/factories'
import { issueChallenge } from '../../../services/identity/challenges'
import { issueOneTimeToken } from '../../../services/identity/oneTimeTokens'
import {
  ME_SECURITY,
  TOKEN_CREATE,
  answer,
  awayFromStepEdge,
  challengeFor,
  codeFor,
  codesOf,
  confirmedLongAgo,
  enrol,
  stepNow,
} from './mfaClient'

let server: TestServer
let mailbox: Mailbox
// each test signs in from an address of its own, so no test's wrong codes hold another's
let nextHost = 1
const newIp = () => `198.51.100.${nextHost++}`

before(async () => {
  mailbox = await startMailbox()
  server = await startServer({ env: { SMTP_URL: mailbox.url, OUTBOX_POLL_MS: '100', TRUST_PROXY: '1' } })
})
after(async () => {
  await server?.stop()
  await mailbox?.stop()
})

async function enrolled() {
  return enrol(server, await makeCustomer(server.context))
}

async function challengeRow(userId: string) {
  return server.context.prisma.authChallenge.findFirstOrThrow({ where: { userId }, orderBy: { createdAt: 'desc' } })
}

const INVALID_CODE = [{ field: 'code', code: 'INVALID_MFA_CODE' }]
const INVALID_CHALLENGE = [{ field: 'challenge', code: 'INVALID_MFA_CHALLENGE' }]

describe('tokenCreate for an enrolled user', () => {
  test('the right password answers MFA_REQUIRED and a challenge: no tokens, no cookie, no session', async () => {
    const user = await enrolled()
    const sessionsBefore = await server.context.prisma.authSession.count({ where: { userId: user.userId } })
    const res = await server.gql(TOKEN_CREATE, { email: user.email, password: PASSWORD })
    const payload = res.body.data.tokenCreate
    assert.deepEqual(
      { ...payload, mfaChallenge: typeof payload.mfaChallenge },
      {
        token: null,
        refreshToken: null,
        csrfToken: null,
        mfaChallenge: 'string',
        user: null,
        errors: [{ field: null, code: 'MFA_REQUIRED' }],
      },
    )
    assert.ok(payload.mfaChallenge.length >= 40)
    assert.deepEqual(
      res.headers.getSetCookie().filter(cookie => cookie.startsWith('refreshToken=')),
      [],
    )
    assert.equal(await server.context.prisma.authSession.count({ where: { userId: user.userId } }), sessionsBefore)
    // stored hashed, bound to the user
    const row = await challengeRow(user.userId)
    assert.equal(row.purpose, 'MFA_SIGN_IN')
    assert.notEqual(row.challengeHash, payload.mfaChallenge)
    assert.ok(row.expiresAt.getTime() - row.createdAt.getTime() === 300_000)
  })

  test('a wrong password answers exactly as for an account without a second factor, and issues no challenge', async () => {
    const user = await enrolled()
    const plain = await makeCustomer(server.context)
    const answers = []
    for (const email of [user.email, plain.email]) {
      const res = await server.gql(TOKEN_CREATE, { email, password: 'not the password at all' })
      answers.push(res.body)
    }
    assert.deepEqual(answers[0], answers[1])
    assert.deepEqual(answers[0]!.data.tokenCreate, {
      token: null,
      refreshToken: null,
      csrfToken: null,
      mfaChallenge: null,
      user: null,
      errors: [{ field: 'email', code: 'INVALID_CREDENTIALS' }],
    })
    assert.equal(await server.context.prisma.authChallenge.count({ where: { userId: user.userId } }), 0)
  })
})

describe('tokenCreateMfa', () => {
  test('a TOTP code signs in: tokens, the user, a session whose amr is pwd otp mfa; the challenge is spent', async () => {
    const user = await enrolled()
    await confirmedLongAgo(server, user.userId)
    const ip = newIp()
    const challenge = await challengeFor(server, user.email, ip)
    await awayFromStepEdge()
    const payload = await answer(server, challenge, codeFor(user.secret), ip)
    assert.deepEqual(payload.errors, [])
    assert.ok(payload.token && payload.refreshToken && payload.csrfToken)
    assert.deepEqual(payload.user, { id: user.userId, email: user.email })
    const me = await server.gql(ME_SECURITY, {}, { token: payload.token })
    const current = me.body.data.me.sessions.find((session: { current: boolean }) => session.current)
    assert.deepEqual(current.amr, ['pwd', 'otp', 'mfa'])
    assert.ok((await challengeRow(user.userId)).usedAt)
    // spent: the same challenge again, even with a good code, is refused
    const again = await answer(server, challenge, codeFor(user.secret, 1), ip)
    assert.deepEqual(again.errors, INVALID_CHALLENGE)
    assert.equal(again.token, null)
  })

  test('a code, once accepted, is refused in a new challenge; so is the code that confirmed the setup', async () => {
    const user = await enrolled()
    const ip = newIp()
    // the confirmation's code (enrol made it in this step)
    const confirming = await answer(server, await challengeFor(server, user.email, ip), codeFor(user.secret), ip)
    assert.deepEqual(confirming.errors, INVALID_CODE)
    await confirmedLongAgo(server, user.userId)
    await awayFromStepEdge()
    const code = codeFor(user.secret)
    const first = await answer(server, await challengeFor(server, user.email, ip), code, ip)
    assert.deepEqual(first.errors, [])
    const replay = await answer(server, await challengeFor(server, user.email, ip), code, ip)
    assert.deepEqual(replay.errors, INVALID_CODE)
    assert.equal(replay.token, null)
  })

  test('the previous and the next step are accepted, each once, and never a step older than one used', async () => {
    const user = await enrolled()
    await confirmedLongAgo(server, user.userId)
    const ip = newIp()
    await awayFromStepEdge(12_000)
    const now = Date.now()
    const [previous, current, next] = [-1, 0, 1].map(steps => codeFor(user.secret, steps, now))
    const results: Record<string, string[]> = {}
    for (const [name, code] of [
      ['previous', previous],
      ['previous again', previous],
      ['next', next],
      ['current, older than next', current],
      ['next again', next],
    ] as const) {
      results[name] = codesOf(await answer(server, await challengeFor(server, user.email, ip), code!, ip))
    }
    assert.deepEqual(results, {
      previous: [],
      'previous again': ['INVALID_MFA_CODE'],
      next: [],
      'current, older than next': ['INVALID_MFA_CODE'],
      'next again': ['INVALID_MFA_CODE'],
    })
    const row = await server.context.prisma.user.findUniqueOrThrow({ where: { id: user.userId } })
    assert.equal(row.totpLastStep, stepNow(now) + 1)
  })

  test('two steps away is refused', async () => {
    const user = await enrolled()
    await confirmedLongAgo(server, user.userId)
    const ip = newIp()
    await awayFromStepEdge()
    for (const steps of [-2, 2]) {
      const payload = await answer(server, await challengeFor(server, user.email, ip), codeFor(user.secret, steps), ip)
      assert.deepEqual(payload.errors, INVALID_CODE, String(steps))
    }
  })

  test('spaces in a code are dropped; a code of the wrong length is INVALID_MFA_CODE and counts nothing', async () => {
    const user = await enrolled()
    await confirmedLongAgo(server, user.userId)
    const ip = newIp()
    const challenge = await challengeFor(server, user.email, ip)
    for (const code of ['12345', '1234567', '12a456', '', '123456789012']) {
      assert.deepEqual((await answer(server, challenge, code, ip)).errors, INVALID_CODE, code)
    }
    assert.equal((await challengeRow(user.userId)).failures, 0)
    await awayFromStepEdge()
    const code = codeFor(user.secret)
    const spaced = ` ${code.slice(0, 3)} ${code.slice(3)} `
    const payload = await answer(server, challenge, spaced, ip)
    assert.deepEqual(payload.errors, [])
    assert.ok(payload.token)
  })

  test("another user's code does not answer a challenge; the challenge's own user's code does", async () => {
    const alice = await enrolled()
    const bob = await enrolled()
    await confirmedLongAgo(server, alice.userId)
    await confirmedLongAgo(server, bob.userId)
    const ip = newIp()
    const challenge = await challengeFor(server, alice.email, ip)
    await awayFromStepEdge()
    const wrong = await answer(server, challenge, codeFor(bob.secret), ip)
    assert.deepEqual(wrong.errors, INVALID_CODE)
    // bob's recovery code is no more alice's
    assert.deepEqual((await answer(server, challenge, bob.recoveryCodes[0]!, ip)).errors, INVALID_CODE)
    assert.equal(await server.context.prisma.recoveryCode.count({ where: { userId: bob.userId, usedAt: null } }), 10)
    const right = await answer(server, challenge, codeFor(alice.secret), ip)
    assert.deepEqual(right.errors, [])
    assert.equal(right.user?.id, alice.userId)
  })

  test('an expired challenge is INVALID_MFA_CHALLENGE and uses no code', async () => {
    const user = await enrolled()
    await confirmedLongAgo(server, user.userId)
    const ip = newIp()
    const challenge = await challengeFor(server, user.email, ip)
    const row = await challengeRow(user.userId)
    await server.context.prisma.authChallenge.update({
      where: { id: row.id },
      data: { expiresAt: new Date(Date.now() - 1000) },
    })
    await awayFromStepEdge()
    const code = codeFor(user.secret)
    assert.deepEqual((await answer(server, challenge, code, ip)).errors, INVALID_CHALLENGE)
    // the code is still good in a live challenge
    assert.deepEqual((await answer(server, await challengeFor(server, user.email, ip), code, ip)).errors, [])
  })

  test('unknown and malformed challenges are INVALID_MFA_CHALLENGE', async () => {
    const ip = newIp()
    for (const challenge of ['', 'nope', 'x'.repeat(5000), 'A'.repeat(43)]) {
      assert.deepEqual((await answer(server, challenge, '123456', ip)).errors, INVALID_CHALLENGE)
    }
  })

  test('a challenge for the Admin UI sign-in does not give tokens', async () => {
    const user = await enrolled()
    await confirmedLongAgo(server, user.userId)
    const row = await server.context.prisma.user.findUniqueOrThrow({ where: { id: user.userId } })
    const { challenge } = await issueChallenge(server.context, {
      purpose: 'MFA_SIGN_IN',
      userId: user.userId,
      payload: {
        kind: 'adminCookie',
        email: user.email,
        proven: { id: row.id, password: row.password, jwtTokenKey: row.jwtTokenKey },
        ip: '127.0.0.1',
      },
    })
    await awayFromStepEdge()
    const ip = newIp()
    assert.deepEqual((await answer(server, challenge, codeFor(user.secret), ip)).errors, INVALID_CHALLENGE)
  })

  test('five wrong codes kill the challenge: a right code then is INVALID_MFA_CHALLENGE', async () => {
    const user = await enrolled()
    await confirmedLongAgo(server, user.userId)
    const ip = newIp()
    const challenge = await challengeFor(server, user.email, ip)
    await awayFromStepEdge()
    const right = codeFor(user.secret)
    const wrong = right === '000000' ? '111111' : '000000'
    for (let i = 0; i < 5; i++) assert.deepEqual((await answer(server, challenge, wrong, ip)).errors, INVALID_CODE)
    const last = await answer(server, challenge, right, ip)
    assert.deepEqual(last.errors, INVALID_CHALLENGE)
    assert.equal(last.token, null)
  })

  test('a recovery code in lower case without its dash signs in once: RECOVERY_CODE_USED event and mail', async () => {
    const user = await enrolled()
    const ip = newIp()
    const typed = user.recoveryCodes[2]!.replace('-', '').toLowerCase()
    const payload = await answer(server, await challengeFor(server, user.email, ip), typed, ip)
    assert.deepEqual(payload.errors, [])
    const me = await server.gql(ME_SECURITY, {}, { token: payload.token! })
    assert.equal(me.body.data.me.recoveryCodesLeft, 9)
    const current = me.body.data.me.sessions.find((session: { current: boolean }) => session.current)
    assert.deepEqual(current.amr, ['pwd', 'otp', 'mfa'])
    const events = await server.context.prisma.accountEvent.findMany({
      where: { userId: user.userId, type: 'RECOVERY_CODE_USED' },
    })
    assert.equal(events.length, 1)
    await mailbox.next(user.email, /A recovery code was used/)
    // once: as typed on the sheet, too
    const again = await answer(
      server,
      await challengeFor(server, user.email, ip),
      user.recoveryCodes[2]!.toUpperCase(),
      ip,
    )
    assert.deepEqual(again.errors, INVALID_CODE)
    // another one, with spaces and its dash
    const spaced = ` ${user.recoveryCodes[5]!.toUpperCase().replace('-', ' - ')} `
    assert.deepEqual((await answer(server, await challengeFor(server, user.email, ip), spaced, ip)).errors, [])
  })
})

describe('setPassword for an enrolled user', () => {
  test('sets the password and answers MFA_REQUIRED with a challenge, no tokens; tokenCreateMfa finishes', async () => {
    const user = await enrolled()
    await confirmedLongAgo(server, user.userId)
    const token = await issueOneTimeToken(server.context, { userId: user.userId, purpose: 'PASSWORD_RESET' })
    const NEW = 'a fresh and rather long passphrase'
    const res = await server.gql(
      `mutation($email: String!, $token: String!, $password: String!) {
        setPassword(email: $email, token: $token, password: $password) { token refreshToken csrfToken mfaChallenge user { id } errors { field code } } }`,
      { email: user.email, token, password: NEW },
    )
    const payload = res.body.data.setPassword
    assert.deepEqual(
      { ...payload, mfaChallenge: typeof payload.mfaChallenge },
      {
        token: null,
        refreshToken: null,
        csrfToken: null,
        mfaChallenge: 'string',
        user: null,
        errors: [{ field: null, code: 'MFA_REQUIRED' }],
      },
    )
    assert.deepEqual(
      res.headers.getSetCookie().filter(cookie => cookie.startsWith('refreshToken=')),
      [],
    )
    // the password is set: the old one fails, the new one asks for the code
    const old = await server.gql(TOKEN_CREATE, { email: user.email, password: PASSWORD })
    assert.deepEqual(old.body.data.tokenCreate.errors, [{ field: 'email', code: 'INVALID_CREDENTIALS' }])
    await awayFromStepEdge()
    const ip = newIp()
    const finished = await answer(server, payload.mfaChallenge, codeFor(user.secret), ip)
    assert.deepEqual(finished.errors, [])
    assert.equal(finished.user?.id, user.userId)
    await challengeFor(server, user.email, ip, NEW)
  })

  test('a challenge issued before a password change no longer signs in', async () => {
    const user = await enrolled()
    await confirmedLongAgo(server, user.userId)
    const ip = newIp()
    const challenge = await challengeFor(server, user.email, ip)
    const change = await server.gql(
      'mutation($old: String, $new: String!) { passwordChange(oldPassword: $old, newPassword: $new) { errors { code } } }',
      { old: PASSWORD, new: 'a fresh and rather long passphrase' },
      { token: user.token },
    )
    assert.deepEqual(change.body.data.passwordChange.errors, [])
    await awayFromStepEdge()
    const payload = await answer(server, challenge, codeFor(user.secret), ip)
    assert.equal(payload.token, null)
    assert.deepEqual(codesOf(payload), ['INVALID_CREDENTIALS'])
  })
})
