// Two-step sign-in with an authenticator app (API.md §9 "TOTP"), for the signed-in user: set it
// up (a pending secret, checked with the password), confirm it with a first code (enabled, ten
// recovery codes shown once), turn it off or make new recovery codes (the password and a code); and
// the second step of a password sign-in, answerMfaChallenge, the one way every sign-in (tokenCreate
// and setPassword through tokenCreateMfa, the Admin UI's cookie sign-in) finishes. None of these
// ends the user's other sessions: turning a factor on or off, or new recovery codes, changes no
// credential a session was proven with (sessionsRevokeOthers is one call away); a staff reset does
// (SECOND_FACTOR_RESET).
import type { Context } from '../../generated/keystone/types'
import { DomainError, inTransaction } from '../kernel'
import { mailNotice, recordAccountEvent } from '../users'
import {
  assertMayAddSecondFactor,
  assertPasswordLoginAllowed,
  bindExternalSignIn,
  bindSignIn,
  deleteRecoveryCodes,
  hasTotpEnabled,
  invalidMfaCode,
  issueTokens,
  newTotpEnrolment,
  openTotpSecret,
  presentedCode,
  redeemMfaChallenge,
  replaceRecoveryCodes,
  useSecondFactorCode,
  withCodeThrottle,
  proveOwnPassword,
  verifyTotpCode,
  type IssuedTokens,
  type AuthMethod,
  type MfaAnswer,
  type MfaChallengeKind,
  type SignInClient,
} from '../identity'

type UserRow = NonNullable<Awaited<ReturnType<Context['prisma']['user']['findUnique']>>>

function invalidPassword(): DomainError {
  return new DomainError({ field: 'password', code: 'INVALID_PASSWORD', message: "Password isn't valid." })
}

function alreadyEnabled(): DomainError {
  return new DomainError({
    field: null,
    code: 'INVALID',
    message: 'Two-step sign-in is already on for this account: turn it off first to set up another app.',
  })
}

function notEnabled(): DomainError {
  return new DomainError({ field: null, code: 'INVALID', message: 'Two-step sign-in is not on for this account.' })
}

// the one password check of these operations: the signed-in user's password, throttled as a sign-in
async function userWithPassword(context: Context, args: { userId: string; password: string; ip: string }) {
  const user = await context.prisma.user.findUniqueOrThrow({ where: { id: args.userId } })
  await proveOwnPassword(context, { user, password: args.password, ip: args.ip, refusal: invalidPassword })
  return user
}

/**
 * accountTotpSetup: a new secret, pending until confirmed (a second setup replaces the first);
 * nothing is enabled yet. Answers the secret, its otpauth:// URI and QR code, once.
 */
export async function setupTotp(
  context: Context,
  args: { userId: string; password: string; ip: string; amr: readonly AuthMethod[] },
): Promise<{ secret: string; otpauthUri: string; qrCode: string }> {
  const user = await userWithPassword(context, args)
  if (hasTotpEnabled(user)) throw alreadyEnabled()
  await assertMayAddSecondFactor(context, user.id, args.amr)
  const enrolment = await newTotpEnrolment(user.email)
  const { count } = await context.prisma.user.updateMany({
    where: { id: user.id, totpEnabledAt: null },
    data: { totpPendingSecret: enrolment.sealed },
  })
  if (count === 0) throw alreadyEnabled()
  return { secret: enrolment.secret, otpauthUri: enrolment.otpauthUri, qrCode: enrolment.qrCode }
}

/**
 * accountTotpConfirm: the first code of the pending secret turns TOTP on; its step counts as used
 * (the same code cannot then sign in); ten recovery codes, answered once; a TOTP_ENABLED event and
 * mail.
 */
export async function confirmTotp(
  context: Context,
  args: { userId: string; code: string; amr: readonly AuthMethod[] },
): Promise<{ recoveryCodes: string[] }> {
  const user = await context.prisma.user.findUniqueOrThrow({ where: { id: args.userId } })
  if (hasTotpEnabled(user)) throw alreadyEnabled()
  await assertMayAddSecondFactor(context, user.id, args.amr)
  if (!user.totpPendingSecret)
    throw new DomainError({
      field: 'code',
      code: 'INVALID',
      message: 'There is no setup to confirm: start with accountTotpSetup.',
    })
  const presented = presentedCode(args.code)
  if (presented.kind !== 'totp') throw invalidMfaCode()
  const step = verifyTotpCode(openTotpSecret(user.totpPendingSecret), presented.code)
  if (step === null) throw invalidMfaCode()
  return inTransaction(context, async tx => {
    // only the pending secret the code was checked against, and a step not used before
    const { count } = await tx.prisma.user.updateMany({
      where: {
        id: user.id,
        totpEnabledAt: null,
        totpPendingSecret: user.totpPendingSecret,
        totpLastStep: { lt: step },
      },
      data: {
        totpSecret: user.totpPendingSecret,
        totpPendingSecret: null,
        totpEnabledAt: new Date(),
        totpLastStep: step,
      },
    })
    if (count === 0) throw invalidMfaCode()
    const recoveryCodes = await replaceRecoveryCodes(tx, user.id)
    await recordAccountEvent(tx, { type: 'TOTP_ENABLED', userId: user.id, actorId: user.id })
    await mailNotice(tx, user, 'TOTP_ENABLED')
    return { recoveryCodes }
  })
}

/**
 * With a code (TOTP or recovery) of a user with TOTP on, whose password was just checked: run
 * `change` in one transaction with the code's use, so a refused change gives the code back. Wrong
 * codes count in the sign-in throttle (withCodeThrottle), as at sign-in.
 */
async function withSecondFactor<T>(
  context: Context,
  user: UserRow,
  args: { code: string; ip: string },
  change: (tx: Context) => Promise<T>,
): Promise<T> {
  const presented = presentedCode(args.code)
  if (presented.kind === 'malformed') throw invalidMfaCode()
  return withCodeThrottle(context, { ip: args.ip, email: user.email }, () =>
    inTransaction(context, async tx => {
      if (!(await useSecondFactorCode(tx, user, presented))) throw invalidMfaCode()
      return change(tx)
    }),
  )
}

/** accountTotpDisable: the password and a code turn TOTP off; the recovery codes go; a TOTP_DISABLED event and mail. */
export async function disableTotp(
  context: Context,
  args: { userId: string; password: string; code: string; ip: string },
): Promise<void> {
  const user = await userWithPassword(context, args)
  if (!hasTotpEnabled(user)) throw notEnabled()
  await withSecondFactor(context, user, args, async tx => {
    const { count } = await tx.prisma.user.updateMany({
      where: { id: user.id, totpSecret: user.totpSecret },
      data: { totpSecret: null, totpPendingSecret: null, totpEnabledAt: null },
    })
    if (count === 0) throw notEnabled()
    await deleteRecoveryCodes(tx, user.id)
    await recordAccountEvent(tx, { type: 'TOTP_DISABLED', userId: user.id, actorId: user.id })
    await mailNotice(tx, user, 'TOTP_DISABLED')
  })
}

/** accountRecoveryCodesRegenerate: the password and a code replace every recovery code; a RECOVERY_CODES_REGENERATED event. */
export async function regenerateRecoveryCodes(
  context: Context,
  args: { userId: string; password: string; code: string; ip: string },
): Promise<{ recoveryCodes: string[] }> {
  const user = await userWithPassword(context, args)
  if (!hasTotpEnabled(user)) throw notEnabled()
  return withSecondFactor(context, user, args, async tx => {
    const recoveryCodes = await replaceRecoveryCodes(tx, user.id)
    await recordAccountEvent(tx, { type: 'RECOVERY_CODES_REGENERATED', userId: user.id, actorId: user.id })
    return { recoveryCodes }
  })
}

/**
 * The second step of a password sign-in, for every way in (`kind`: 'tokens' for tokenCreateMfa,
 * 'adminCookie' for the Admin UI): the challenge and a code, judged by identity's
 * redeemMfaChallenge; a recovery code records RECOVERY_CODE_USED and mails the user, in the
 * transaction that spends it. The caller binds the session to `proven` (bindSignIn) and starts it
 * with `amr`.
 */
export async function answerMfaChallenge(
  context: Context,
  args: {
    challenge: string
    code: string
    ip: string
    kind: MfaChallengeKind
    deviceProofOf?: (userId: string) => string | undefined
  },
): Promise<MfaAnswer> {
  return redeemMfaChallenge(context, args, async (tx, { user, used }) => {
    if (used !== 'recovery') return
    const left = await tx.prisma.recoveryCode.count({ where: { userId: user.id, usedAt: null } })
    await recordAccountEvent(tx, {
      type: 'RECOVERY_CODE_USED',
      userId: user.id,
      actorId: user.id,
      parameters: { recovery_codes_left: left },
    })
    await mailNotice(tx, user, 'RECOVERY_CODE_USED')
  })
}

/** tokenCreateMfa: answer the challenge tokenCreate (or setPassword) gave, and sign in with tokens. */
export async function signInWithMfaForTokens(
  context: Context,
  args: {
    challenge: string
    code: string
    client: SignInClient
    deviceProofOf?: (userId: string) => string | undefined
  },
): Promise<IssuedTokens> {
  const { user, amr, proven, external } = await answerMfaChallenge(context, {
    ...args,
    ip: args.client.ip,
    kind: 'tokens',
  })
  // a provider's sign-in binds through the identity it proved (PASSWORD_LOGIN_MODE does not apply
  // to it, and its user may have no password); a password's through the row its check read
  let jwtTokenKey: string
  if (external) jwtTokenKey = await bindExternalSignIn(context, proven, external)
  else {
    assertPasswordLoginAllowed(user)
    jwtTokenKey = await bindSignIn(context, proven)
  }
  const tokenUser = { id: user.id, email: user.email, isStaff: user.isStaff, jwtTokenKey }
  return issueTokens(context, tokenUser, { amr, ...args.client })
}
