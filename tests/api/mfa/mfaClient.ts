// What the second-factor tests share: the operations of API.md §9 "TOTP" as a client sends them,
// codes made as an authenticator app makes them (otpauth, from the secret setup answered), and an
// enrolment through the API.
import assert from 'node:assert/strict'
import { Secret, TOTP } from 'otpauth'
import { PASSWORD } from '../../helpers/factories'
import { tokenFor } from '../../helpers/actors'
import type { TestServer } from '../../helpers/server'

export const ERRORS = 'errors { field code }'
export const TOTP_SETUP = `mutation($password: String!) { accountTotpSetup(password: $password) { secret otpauthUri qrCode ${ERRORS} } }`
export const TOTP_CONFIRM = `mutation($code: String!) { accountTotpConfirm(code: $code) { recoveryCodes ${ERRORS} } }`
export const TOTP_DISABLE = `mutation($password: String!, $code: String!) { accountTotpDisable(password: $password, code: $code) { ${ERRORS} } }`
export const CODES_REGENERATE = `mutation($password: String!, $code: String!) { accountRecoveryCodesRegenerate(password: $password, code: $code) { recoveryCodes ${ERRORS} } }`
export const TOKEN_CREATE = `mutation($email: String!, $password: String!) {
  tokenCreate(email: $email, password: $password) { token refreshToken csrfToken mfaChallenge user { id } ${ERRORS} } }`
export const TOKEN_CREATE_MFA = `mutation($challenge: String!, $code: String!) {
  tokenCreateMfa(challenge: $challenge, code: $code) { token refreshToken csrfToken user { id email } ${ERRORS} } }`
export const ME_SECURITY = '{ me { id totpEnabled recoveryCodesLeft sessions { current amr } } }'

const PERIOD_MS = 30_000

/** The code an authenticator app shows for `secret`, `steps` 30-second steps from now. */
export function codeFor(secret: string, steps = 0, now = Date.now()): string {
  return TOTP.generate({ secret: Secret.fromBase32(secret), timestamp: now + steps * PERIOD_MS })
}

/** The 30-second step of now, as RFC 6238 counts. */
export function stepNow(now = Date.now()): number {
  return Math.floor(now / PERIOD_MS)
}

/**
 * Wait until at least `margin` ms remain in the current step, so that a code made now for a step
 * one either side of it is still in the server's window when it arrives.
 */
export async function awayFromStepEdge(margin = 8_000): Promise<void> {
  const left = PERIOD_MS - (Date.now() % PERIOD_MS)
  if (left < margin) await new Promise(resolve => setTimeout(resolve, left + 200))
}

export type Enrolled = { userId: string; email: string; token: string; secret: string; recoveryCodes: string[] }

/** Set up and confirm TOTP for a user through the API, as its owner would; its confirmation step is then used. */
export async function enrol(server: TestServer, user: { id: string; email: string }): Promise<Enrolled> {
  const token = await tokenFor(server.context, user.id)
  const setup = await server.gql(TOTP_SETUP, { password: PASSWORD }, { token })
  assert.deepEqual(setup.body.data?.accountTotpSetup?.errors, [], JSON.stringify(setup.body))
  const { secret } = setup.body.data.accountTotpSetup
  await awayFromStepEdge()
  const confirm = await server.gql(TOTP_CONFIRM, { code: codeFor(secret) }, { token })
  assert.deepEqual(confirm.body.data?.accountTotpConfirm?.errors, [], JSON.stringify(confirm.body))
  return {
    userId: user.id,
    email: user.email,
    token,
    secret,
    recoveryCodes: confirm.body.data.accountTotpConfirm.recoveryCodes,
  }
}

/**
 * Make the enrolment as if confirmed some minutes ago: no step of the last few is used yet (a
 * fixture for tests about which steps a sign-in accepts).
 */
export async function confirmedLongAgo(server: TestServer, userId: string): Promise<void> {
  await server.context.prisma.user.update({ where: { id: userId }, data: { totpLastStep: stepNow() - 10 } })
}

/** tokenCreate for an enrolled user from `ip`: its challenge, after asserting the MFA_REQUIRED answer. */
export async function challengeFor(server: TestServer, email: string, ip = '192.0.2.10', password = PASSWORD) {
  const res = await server.gql(TOKEN_CREATE, { email, password }, { headers: { 'x-forwarded-for': ip } })
  const payload = res.body.data?.tokenCreate
  assert.deepEqual(payload?.errors, [{ field: null, code: 'MFA_REQUIRED' }], JSON.stringify(res.body))
  assert.equal(typeof payload.mfaChallenge, 'string')
  return payload.mfaChallenge as string
}

/** tokenCreateMfa from `ip`; answers the payload. */
export async function answer(server: TestServer, challenge: string, code: string, ip = '192.0.2.10') {
  const res = await server.gql(TOKEN_CREATE_MFA, { challenge, code }, { headers: { 'x-forwarded-for': ip } })
  assert.ok(res.body.data?.tokenCreateMfa, JSON.stringify(res.body))
  return res.body.data.tokenCreateMfa as {
    token: string | null
    refreshToken: string | null
    csrfToken: string | null
    user: { id: string; email: string } | null
    errors: { field: string | null; code: string }[]
  }
}

export function codesOf(payload: { errors: { code: string }[] }): string[] {
  return payload.errors.map(error => error.code)
}
