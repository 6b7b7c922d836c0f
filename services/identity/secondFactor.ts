// The second step of a password sign-in (API.md §9): a user with TOTP enabled whose password is
// right gets no session yet, but an MFA_SIGN_IN challenge (challenges.ts) that remembers what the
// password check proved (the row's hash and token key as read, so the session binds through
// bindSignIn as a one-step sign-in does), whom the throttle counts (the email), and which sign-in
// it finishes (`kind`: tokens for tokenCreate and setPassword, adminCookie for the Admin UI).
// Answering it is services/accounts/secondFactor/answerMfaChallenge.ts. Here: the refusal that
// carries the challenge, and what a presented code means for a user (a TOTP code, once, or one of
// its recovery codes, once).
import { createHash } from 'node:crypto'
import type { Context } from '../../generated/keystone/types'
import { env } from '../../env'
import { DomainError, inTransaction } from '../kernel'
import { issueChallenge, liveChallenge, spendChallenge, takeChallengeAttempt } from './challenges'
import {
  abandonLoginAttempt,
  checkLoginAllowed,
  loginDelayedError,
  recordLoginFailure,
  recordLoginSuccess,
} from './throttle'
import { normalizeRecoveryCode, spendRecoveryCode } from './recoveryCodes'
import { isSameSecret } from './sameSecret'
import { verifiedDevice, type VerifiedDevice } from './deviceProof'
import { acceptTotpStep, invalidMfaCode, normalizeTotpCode, openTotpSecret, verifyTotpCode } from './totp'
import type { AuthMethod } from './userSessions'

export const MFA_CHALLENGE_KINDS = ['tokens', 'adminCookie'] as const
export type MfaChallengeKind = (typeof MFA_CHALLENGE_KINDS)[number]

// the user row a password check read (signIn.ts: ProvenUser), what bindSignIn binds the session to
type ProvenUser = { id: string; password: string | null; jwtTokenKey: string | null; totpEnabledAt?: Date | null }

/**
 * What an MFA_SIGN_IN challenge keeps (never sent to the client). The row the password check read
 * is kept as fingerprints of its hash and token key (SHA-256), never copies of them: answering the
 * challenge rebuilds `proven` from the row as it is then, with what still matches (provenNow).
 */
export type MfaChallengePayload = {
  kind: MfaChallengeKind
  email: string
  proven: { id: string; password: string; jwtTokenKey: string }
  ip: string
  userAgent?: string
  // a provider sign-in's first step (externalSignIn.ts): the identity it proved, in place of a password
  external?: { provider: string; subject: string }
}

// a fingerprint of a secret column's value (null included), to tell later whether it still holds it
function fingerprint(value: string | null): string {
  return createHash('sha256')
    .update(value === null ? 'null' : `value:${value}`)
    .digest('hex')
}

/**
 * The row a challenge's password check proved, as the row is now: its hash and token key where
 * they are still the ones fingerprinted, and null where they moved on. bindSignIn then binds as it
 * does for a one-step sign-in: to the key as it is now when only the key moved on (a sign-out
 * everywhere), and not at all when the password did (INVALID_CREDENTIALS).
 */
function provenNow(
  fingerprints: MfaChallengePayload['proven'],
  row: { id: string; password: string | null; jwtTokenKey: string | null; totpEnabledAt: Date | null },
): ProvenUser {
  const holds = (value: string | null, expected: string) => isSameSecret(fingerprint(value), expected)
  return {
    id: row.id,
    password: row.password !== null && holds(row.password, fingerprints.password) ? row.password : null,
    jwtTokenKey: row.jwtTokenKey !== null && holds(row.jwtTokenKey, fingerprints.jwtTokenKey) ? row.jwtTokenKey : null,
    // the enrolment whose code is judged: bindSignIn binds only while it holds
    totpEnabledAt: row.totpEnabledAt,
  }
}

/** MFA_REQUIRED (field null), carrying the challenge that tokenCreateMfa (or the Admin UI) answers. */
export class MfaRequiredError extends DomainError {
  readonly challenge: string
  readonly expiresAt: Date

  constructor(challenge: string, expiresAt: Date) {
    super({
      field: null,
      code: 'MFA_REQUIRED',
      message: 'Enter the code from your authenticator app (or a recovery code) to finish signing in.',
    })
    this.name = 'MfaRequiredError'
    this.challenge = challenge
    this.expiresAt = expiresAt
  }
}

type SecondFactorUser = {
  id: string
  email: string
  isStaff: boolean
  totpEnabledAt: Date | null
  totpSecret: string | null
}

/** Whether a user signs in with a second factor after its password. */
export function hasTotpEnabled(user: { totpEnabledAt: Date | null; totpSecret: string | null }): boolean {
  return Boolean(user.totpEnabledAt && user.totpSecret)
}

/**
 * After a proven password: nothing for a user without a second factor; for one with TOTP, issue
 * the MFA_SIGN_IN challenge and throw MfaRequiredError, so that no tokens or cookie are issued.
 * Under STAFF_MFA_REQUIRED, staff whose second factor is a passkey get no session from a password
 * at all (MFA_REQUIRED, no challenge: they sign in with the passkey); a password session would act
 * as a customer and could add no factor (assertMayAddSecondFactor), so it would serve no one.
 */
export async function requireSecondFactor(
  context: Context,
  user: SecondFactorUser,
  args: {
    kind: MfaChallengeKind
    proven: ProvenUser
    ip: string
    userAgent?: string
    // set when the first step was a provider's sign-in, not a password
    external?: { provider: string; subject: string }
  },
): Promise<void> {
  if (!hasTotpEnabled(user)) {
    if (env.staffMfaRequired && user.isStaff && (await passkeyCount(context, user.id)) > 0)
      throw new DomainError({ field: null, code: 'MFA_REQUIRED', message: PASSKEY_REQUIRED_MESSAGE })
    return
  }
  const payload: MfaChallengePayload = {
    kind: args.kind,
    email: user.email,
    proven: {
      id: args.proven.id,
      password: fingerprint(args.proven.password),
      jwtTokenKey: fingerprint(args.proven.jwtTokenKey),
    },
    ip: args.ip,
    ...(args.userAgent === undefined ? {} : { userAgent: args.userAgent }),
    ...(args.external ? { external: { provider: args.external.provider, subject: args.external.subject } } : {}),
  }
  const { challenge, expiresAt } = await issueChallenge(context, { purpose: 'MFA_SIGN_IN', userId: user.id, payload })
  throw new MfaRequiredError(challenge, expiresAt)
}

/** The refusal of a password to staff who must sign in with their passkey (STAFF_MFA_REQUIRED). */
export const PASSKEY_REQUIRED_MESSAGE = 'Sign in with your passkey: this account signs in with a second factor.'

function passkeyCount(context: Context, userId: string): Promise<number> {
  return context.prisma.passkeyCredential.count({ where: { userId } })
}

/**
 * A new second factor (a passkey, an authenticator app) is added only from a session that proved
 * the factors the account already has: for an account with TOTP or a passkey, a session whose amr
 * holds `mfa`. A session signed in with the password alone (stolen, begun with a reset link, or
 * begun before the first factor was added) must not turn itself into a lasting two-factor way in,
 * nor lift a staff member held back by STAFF_MFA_REQUIRED. An account without a second factor is a
 * password's to open, and a password session adds its first one (enrolment).
 */
export async function assertMayAddSecondFactor(
  context: Context,
  userId: string,
  amr: readonly AuthMethod[],
): Promise<void> {
  if (amr.includes('mfa')) return
  const user = await context.prisma.user.findUniqueOrThrow({
    where: { id: userId },
    select: { totpEnabledAt: true, totpSecret: true },
  })
  if (hasTotpEnabled(user) || (await passkeyCount(context, userId)) > 0)
    throw new DomainError({
      field: null,
      code: 'MFA_REQUIRED',
      message: 'This account has a second factor: sign in with it to add another.',
    })
}

/**
 * A second factor is removed only from a session that proved one (amr `mfa`), as the rule above adds
 * one: a session of the password alone must not clear the account's factors to make room for its
 * own, nor end a way in it did not prove. Someone who lost every factor asks staff for a reset.
 */
export function assertMayRemoveSecondFactor(amr: readonly AuthMethod[]): void {
  if (amr.includes('mfa')) return
  throw new DomainError({
    field: null,
    code: 'MFA_REQUIRED',
    message: 'Sign in with a second factor (a passkey or a code) to remove a passkey.',
  })
}

/** What a presented code is: a 6-digit TOTP code, a recovery code, or neither (refused as malformed). */
export type PresentedCode = { kind: 'totp'; code: string } | { kind: 'recovery'; code: string } | { kind: 'malformed' }

export function presentedCode(code: string): PresentedCode {
  const totp = normalizeTotpCode(code)
  if (totp) return { kind: 'totp', code: totp }
  const recovery = normalizeRecoveryCode(code)
  return recovery ? { kind: 'recovery', code: recovery } : { kind: 'malformed' }
}

/**
 * Use a well-formed code of a user with TOTP enabled: a TOTP code whose step is accepted (once per
 * user), or an unused recovery code, spent. Answers which it was, or null for a wrong or used code.
 * Run it in the transaction that spends what the code unlocks, so a rollback gives the code back.
 */
export async function useSecondFactorCode(
  context: Context,
  user: SecondFactorUser,
  presented: Exclude<PresentedCode, { kind: 'malformed' }>,
  now: Date = new Date(),
): Promise<'totp' | 'recovery' | null> {
  if (!hasTotpEnabled(user)) return null
  if (presented.kind === 'recovery')
    return (await spendRecoveryCode(context, user.id, presented.code)) ? 'recovery' : null
  // a secret sealed under another SESSION_SECRET opens no more: no code is its code (a recovery code
  // or a staff reset is the way back), never an internal error
  let secret: string
  try {
    secret = openTotpSecret(user.totpSecret!)
  } catch {
    return null
  }
  const step = verifyTotpCode(secret, presented.code, now)
  if (step === null) return null
  return (await acceptTotpStep(context, user.id, step)) ? 'totp' : null
}

/**
 * Run `work`, which judges a second-factor code, as an attempt of the sign-in throttle (the
 * account's email, from `ip`): LOGIN_ATTEMPT_DELAYED on `code` while the throttle holds it; a
 * wrong code (INVALID_MFA_CODE from `work`) counts as a failed sign-in, a right one as a success.
 * So a client that holds the password tries codes no faster than it could try passwords.
 */
export async function withCodeThrottle<T>(
  context: Context,
  who: { ip: string; email: string; device?: VerifiedDevice },
  work: () => Promise<T>,
): Promise<T> {
  const attempt = { ip: who.ip, email: who.email, device: who.device, factor: 'code' as const }
  const throttle = await checkLoginAllowed(context, attempt)
  if (!throttle.allowed) {
    const [delayed] = loginDelayedError(throttle.retryAfterSeconds, throttle.reason).errors
    throw new DomainError({ ...delayed!, field: 'code' })
  }
  let result: T
  try {
    result = await work()
  } catch (error) {
    // a wrong code is a failed sign-in; any other refusal ends the attempt without an outcome
    if (error instanceof DomainError && error.errors.some(e => e.code === 'INVALID_MFA_CODE'))
      await recordLoginFailure(context, attempt)
    else await abandonLoginAttempt(context, attempt)
    throw error
  }
  await recordLoginSuccess(context, attempt)
  return result
}

/** The refusal of a challenge that is unknown, spent, expired, dead after five wrong codes, or of another kind. */
export function invalidMfaChallenge(): DomainError {
  return new DomainError({
    field: 'challenge',
    code: 'INVALID_MFA_CHALLENGE',
    message: 'This sign-in has expired or was already finished: sign in with your password again.',
  })
}

type UserRow = NonNullable<Awaited<ReturnType<Context['prisma']['user']['findUnique']>>>

/** A challenge answered: whose it was, how it signed in, the row its password check proved, and the sign-in's client. */
export type MfaAnswer = {
  user: UserRow
  amr: AuthMethod[]
  proven: ProvenUser
  used: 'totp' | 'recovery'
  // where the password step came from, as the challenge recorded it
  passwordStep: { ip: string; userAgent?: string }
  // the identity a provider's sign-in proved as the first step, when it was one (not a password)
  external?: { provider: string; subject: string }
}

// a password and a second factor: TOTP and recovery codes alike (API.md §9)
const MFA_AMR: AuthMethod[] = ['pwd', 'otp', 'mfa']
// a provider's sign-in and a second factor of ours
const EXTERNAL_MFA_AMR: AuthMethod[] = ['ext', 'otp', 'mfa']

/**
 * Answer an MFA_SIGN_IN challenge of `kind` with a code (TOTP or recovery), from `ip`:
 * INVALID_MFA_CHALLENGE unless the challenge is live and of this kind; INVALID_MFA_CODE on `code`
 * for a malformed code (nothing counted: it cannot be anyone's code); LOGIN_ATTEMPT_DELAYED while the
 * sign-in throttle holds the account (the challenge's email) from this IP; a wrong or used code
 * counts against the challenge (the fifth kills it) and in the throttle, and is INVALID_MFA_CODE.
 * A good code is used and the challenge spent in one transaction (a spend lost to a concurrent
 * answer rolls the code back); `inside` runs in that transaction too (the account's event and
 * mail). The caller binds the session to `proven` (bindSignIn) and starts it.
 */
export async function redeemMfaChallenge(
  context: Context,
  args: {
    challenge: string
    code: string
    ip: string
    kind: MfaChallengeKind
    // the client's device proof for a user id (deviceProof.ts), read from the request answering
    deviceProofOf?: (userId: string) => string | undefined
  },
  inside?: (tx: Context, answer: MfaAnswer) => Promise<void>,
): Promise<MfaAnswer> {
  const live = await liveChallenge(context, args.challenge, 'MFA_SIGN_IN')
  const payload = (live?.payload ?? {}) as Partial<MfaChallengePayload>
  if (!live?.userId || payload.kind !== args.kind || !payload.proven || typeof payload.email !== 'string')
    throw invalidMfaChallenge()
  const user = await context.prisma.user.findUnique({ where: { id: live.userId } })
  // a deactivated account's sign-in goes no further: its codes are neither judged nor used up
  if (!user || user.id !== payload.proven.id || !user.isActive || !hasTotpEnabled(user)) throw invalidMfaChallenge()
  const presented = presentedCode(typeof args.code === 'string' ? args.code : '')
  if (presented.kind === 'malformed') throw invalidMfaCode()

  const proven = provenNow(payload.proven, user)
  const passwordStep = {
    ip: String(payload.ip ?? args.ip),
    ...(payload.userAgent ? { userAgent: payload.userAgent } : {}),
  }
  const device = verifiedDevice(user.id, args.deviceProofOf?.(user.id))
  return withCodeThrottle(context, { ip: args.ip, email: payload.email, device }, async () => {
    // one of the challenge's five attempts, taken before the code is judged: of answers sent at
    // once, no more than five are ever judged
    if (!(await takeChallengeAttempt(context, live.id))) throw invalidMfaChallenge()
    const answer = await inTransaction(context, async tx => {
      const used = await useSecondFactorCode(tx, user, presented)
      if (!used) return null
      // the code is used only with the challenge: another answer that spent it first rolls this back
      if (!(await spendChallenge(tx, live.id))) throw invalidMfaChallenge()
      const external = payload.external
      const answer: MfaAnswer = external
        ? { user, amr: [...EXTERNAL_MFA_AMR], proven, used, passwordStep, external }
        : { user, amr: [...MFA_AMR], proven, used, passwordStep }
      await inside?.(tx, answer)
      return answer
    })
    if (answer) return answer
    throw invalidMfaCode()
  })
}
