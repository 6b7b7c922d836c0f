// TOTP (RFC 6238) as authenticator apps expect it: SHA-1, 6 digits, 30-second steps, through the
// otpauth library. A secret is 160 random bits (RFC 4226's recommendation), shown once in base32
// and as an otpauth:// URI (with its QR code, through qrcode), and kept only sealed
// (services/kernel/sealing.ts, the 'totp' key). A code is good for its own step and one step
// either side (clocks drift), and counts once per user: acceptTotpStep moves User.totpLastStep
// forward by a conditional write, so the same code (or an older one) is refused afterwards, in
// this process or any other.
import { Secret, TOTP } from 'otpauth'
import QRCode from 'qrcode'
import type { Context } from '../../generated/keystone/types'
import { env } from '../../env'
import { DomainError, openSecrets, sealSecrets } from '../kernel'

export const TOTP_DIGITS = 6
export const TOTP_PERIOD_SECONDS = 30
// one step before and one after the current one
export const TOTP_WINDOW = 1
const SECRET_BYTES = 20

/** The TOTP settings of a secret (base32): the same in setup, URI, and verification. */
function totpOf(secret: string, label = ''): TOTP {
  return new TOTP({
    issuer: env.shopName,
    label,
    algorithm: 'SHA1',
    digits: TOTP_DIGITS,
    period: TOTP_PERIOD_SECONDS,
    secret: Secret.fromBase32(secret),
  })
}

export type TotpEnrolment = { secret: string; otpauthUri: string; qrCode: string; sealed: string }

/**
 * A new secret for `email`: base32 (what a user types when it cannot scan), its otpauth:// URI
 * (issuer SHOP_NAME, label the email), the URI as a QR code (a `data:image/svg+xml` URL), and the
 * secret sealed as it is stored.
 */
export async function newTotpEnrolment(email: string): Promise<TotpEnrolment> {
  const secret = new Secret({ size: SECRET_BYTES }).base32
  const otpauthUri = totpOf(secret, email).toString()
  const svg = await QRCode.toString(otpauthUri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 })
  const qrCode = `data:image/svg+xml;base64,${Buffer.from(svg, 'utf8').toString('base64')}`
  return { secret, otpauthUri, qrCode, sealed: sealTotpSecret(secret) }
}

export function sealTotpSecret(secret: string): string {
  return sealSecrets({ secret }, 'totp')
}

/** The base32 secret of a sealed column value. */
export function openTotpSecret(sealed: string): string {
  const { secret } = openSecrets(sealed, 'totp')
  if (!secret) throw new Error('sealed TOTP secret without a secret')
  return secret
}

/** The 30-second step a moment falls in. */
export function totpStepAt(now: Date): number {
  return Math.floor(now.getTime() / 1000 / TOTP_PERIOD_SECONDS)
}

/**
 * What a user typed, as the code it means: spaces (and a dash some apps show in the middle)
 * dropped; six digits, or null for anything else.
 */
export function normalizeTotpCode(code: string): string | null {
  const digits = code.replace(/[\s-]/g, '')
  return /^\d{6}$/.test(digits) ? digits : null
}

/**
 * The step a code (already normalised) matches for a secret at `now`: the current step or one
 * either side, else null. Says nothing of whether the step was used already (acceptTotpStep).
 */
export function verifyTotpCode(secret: string, code: string, now: Date = new Date()): number | null {
  const delta = totpOf(secret).validate({ token: code, timestamp: now.getTime(), window: TOTP_WINDOW })
  return delta === null ? null : totpStepAt(now) + delta
}

/**
 * Accept a step for a user, once: the conditional write moves totpLastStep forward only from a
 * smaller value, so of two requests with one code (or a code and an older one), in any number of
 * processes, at most one is accepted.
 */
export async function acceptTotpStep(context: Context, userId: string, step: number): Promise<boolean> {
  const { count } = await context.prisma.user.updateMany({
    where: { id: userId, totpLastStep: { lt: step } },
    data: { totpLastStep: step },
  })
  return count === 1
}

/** The refusal of a wrong, malformed or already used code, on `field`. */
export function invalidMfaCode(field = 'code'): DomainError {
  return new DomainError({
    field,
    code: 'INVALID_MFA_CODE',
    message: 'The code is not valid: enter the current 6-digit code from your authenticator app, or a recovery code.',
  })
}
