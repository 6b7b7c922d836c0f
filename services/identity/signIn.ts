// Signing in with a password: the one password check (throttled, the same cost for unknown emails)
// for tokenCreate and the Admin UI, and tokenCreate's sign-in that issues tokens (tokens.ts).
import type { Context } from '../../generated/keystone/types'
import { env } from '../../env'
import { normalizeEmail } from '../kernel'
import { DomainError } from '../kernel'
import { hashPassword, needsRehash, verifyPassword } from './passwords'
import { verifiedDevice } from './deviceProof'
import { checkLoginAllowed, loginDelayedError, recordLoginFailure, recordLoginSuccess } from './throttle'
import { newTokenKey } from './jwt'
import { isSameSecret } from './sameSecret'
import { issueTokens, type IssuedTokens } from './tokens'
import { requireSecondFactor } from './secondFactor'

type User = NonNullable<Awaited<ReturnType<Context['prisma']['user']['findUnique']>>>

/** A password sign-in's input; `deviceProofOf` reads the client's device proof cookie for a user id. */
export type SignInArgs = {
  email: string
  password: string
  ip: string
  // as the client sent it; the session records it, cut to a bounded length
  userAgent?: string
  deviceProofOf?: (userId: string) => string | undefined
}

const INVALID_CREDENTIALS = () =>
  new DomainError({ field: 'email', code: 'INVALID_CREDENTIALS', message: 'Please, enter valid credentials' })

// verified against when no account has the email, so a miss costs one argon2 run like a hit
let dummyHash: Promise<string> | undefined
function dummyPasswordHash(): Promise<string> {
  dummyHash ??= hashPassword('dummy password that no account has')
  return dummyHash
}

/**
 * Check an email and password: the one password sign-in, for tokenCreate and the Admin UI alike.
 * PASSWORD_LOGIN_MODE, then the throttle (the same keys whether or not the email is registered;
 * a valid device proof for the account, read by `deviceProofOf` from the client's cookie, spares
 * it the lockouts others' guesses cause), then exactly one argon2 verification, against the
 * account's hash or a dummy one, so that a wrong password and an unknown email fail alike, in the
 * same time. `staffOnly` (the Admin UI) admits active, confirmed staff only: anyone else's right
 * password fails like a wrong one.
 */
export async function signInWithPassword(
  context: Context,
  args: SignInArgs,
  { staffOnly = false }: { staffOnly?: boolean } = {},
): Promise<User> {
  if (env.passwordLoginMode === 'DISABLED') throw disabledAuthentication()
  const email = normalizeEmail(args.email)
  const user = await context.prisma.user.findUnique({ where: { email } })
  // only a registered account can have a proof: an unknown email is throttled as any unproven one
  const device = user ? verifiedDevice(user.id, args.deviceProofOf?.(user.id)) : undefined
  const attempt = { ip: args.ip, email, device }
  const throttle = await checkLoginAllowed(context, attempt)
  if (!throttle.allowed) throw loginDelayedError(throttle.retryAfterSeconds, throttle.reason)

  const matches = await verifyPassword(args.password, user?.password || (await dummyPasswordHash()))
  const admitted =
    Boolean(user?.password) && matches && (!staffOnly || (user!.isStaff && user!.isActive && user!.isConfirmed))
  if (!user || !admitted) {
    await recordLoginFailure(context, attempt)
    throw INVALID_CREDENTIALS()
  }
  await recordLoginSuccess(context, attempt)
  // past this point the caller has proven the password, so telling why it can't sign in leaks nothing
  assertPasswordLoginAllowed(user)
  return user
}

/**
 * tokenCreate: a password sign-in that begins a session and issues its access token, refresh token
 * and CSRF token. For a user with TOTP enabled, a right password issues no tokens but an
 * MFA_SIGN_IN challenge (MfaRequiredError, secondFactor.ts), answered by tokenCreateMfa; a wrong
 * one fails in signInWithPassword exactly as for any other account.
 */
export async function signInForTokens(context: Context, args: SignInArgs): Promise<IssuedTokens> {
  const user = await signInWithPassword(context, args)
  if (!user.isActive) throw new DomainError({ field: 'email', code: 'INACTIVE', message: 'Account inactive.' })
  if (env.accountConfirmationRequired && !user.isConfirmed) {
    throw new DomainError({
      field: 'email',
      code: 'ACCOUNT_NOT_CONFIRMED',
      message: 'Account needs to be confirmed via email.',
    })
  }

  // the second step binds to the row this check read, as the one-step sign-in below does
  await requireSecondFactor(context, user, { kind: 'tokens', proven: user, ip: args.ip, userAgent: args.userAgent })
  // older bcrypt hashes (Keystone's default) become argon2id at the first login that proves them
  const jwtTokenKey = await bindSignIn(context, user, {
    password: args.password,
    rehash: () => hashPassword(args.password),
  })
  const tokenUser = { id: user.id, email: user.email, isStaff: user.isStaff, jwtTokenKey }
  return issueTokens(context, tokenUser, { amr: ['pwd'], ip: args.ip, userAgent: args.userAgent })
}

/**
 * The user row a sign-in's checks read: what the sign-in proved. `totpEnabledAt` is set when a
 * TOTP or recovery code was proved too: the proof holds only while that enrolment does (a staff
 * reset or a disable that commits meanwhile voids it, though the password is still the same).
 */
export type ProvenUser = {
  id: string
  password: string | null
  jwtTokenKey: string | null
  totpEnabledAt?: Date | null
}

/**
 * Record a sign-in proven against `proven` (the row the password check read) and answer the token
 * key its session binds to. A credential change (a new password, a new key: sign out everywhere, a
 * reset, deactivation) may commit while the password is being checked, so the write is conditional
 * on the row still holding the hash and the key the check read: a sign-in never writes back a key
 * it read, which would bring every token and session the change ended back to life. When only the
 * key moved on (a sign-out everywhere, a twin's first sign-in), the sign-in binds to the key as it
 * is now: the password it proved is still the account's; when the password moved on, or the
 * account was deactivated, the proof is void and the sign-in fails like a wrong password.
 */
export async function bindSignIn(
  context: Context,
  proven: ProvenUser,
  { password, rehash }: { password?: string; rehash?: () => Promise<string> } = {},
): Promise<string> {
  let state = proven
  for (let attempt = 0; attempt < 3; attempt++) {
    const jwtTokenKey = state.jwtTokenKey ?? newTokenKey()
    const rehashed = rehash && state.password && needsRehash(state.password) ? await rehash() : undefined
    const factor = proven.totpEnabledAt === undefined ? {} : { totpEnabledAt: proven.totpEnabledAt }
    const { count } = await context.prisma.user.updateMany({
      where: { id: state.id, password: state.password, jwtTokenKey: state.jwtTokenKey, isActive: true, ...factor },
      data: { lastLogin: new Date(), jwtTokenKey, ...(rehashed ? { password: rehashed } : {}) },
    })
    if (count === 1) return jwtTokenKey
    const now = await context.prisma.user.findUnique({
      where: { id: state.id },
      select: { id: true, password: true, jwtTokenKey: true, isActive: true, totpEnabledAt: true },
    })
    if (!now?.isActive || !now.password || !proven.password) throw INVALID_CREDENTIALS()
    // the second factor the sign-in proved was reset, turned off or replaced meanwhile: void
    if (proven.totpEnabledAt !== undefined && now.totpEnabledAt?.getTime() !== proven.totpEnabledAt?.getTime())
      throw INVALID_CREDENTIALS()
    // a new hash of the same password (a twin sign-in's rehash of a bcrypt hash) still proves it:
    // checked again against the hash as it is now, when the caller has the password to check
    const samePassword =
      isSameSecret(now.password, proven.password) ||
      (password !== undefined && (await verifyPassword(password, now.password)))
    if (!samePassword) throw INVALID_CREDENTIALS()
    state = now
  }
  throw INVALID_CREDENTIALS()
}

/**
 * Check the password of a signed-in user again (a password change, an email change, TOTP set up,
 * turned off or its codes regenerated): the same throttled check as a sign-in, counted on the
 * account's email from the request's `ip`, so that the holder of a stolen access token tries
 * passwords no faster than a sign-in form allows. LOGIN_ATTEMPT_DELAYED on `refusal`'s field while
 * the throttle holds the account; a wrong password counts as a failed sign-in and is `refusal`.
 */
export async function proveOwnPassword(
  context: Context,
  args: { user: { email: string; password: string | null }; password: string; ip: string; refusal: () => DomainError },
): Promise<void> {
  const refusal = args.refusal()
  const field = refusal.errors[0]?.field ?? 'password'
  const attempt = { ip: args.ip, email: args.user.email }
  const throttle = await checkLoginAllowed(context, attempt)
  if (!throttle.allowed) {
    const [delayed] = loginDelayedError(throttle.retryAfterSeconds, throttle.reason).errors
    throw new DomainError({ ...delayed!, field })
  }
  const matches = Boolean(args.user.password) && (await verifyPassword(args.password, args.user.password!))
  if (!matches) {
    await recordLoginFailure(context, attempt)
    throw refusal
  }
  await recordLoginSuccess(context, attempt)
}

/** Whether PASSWORD_LOGIN_MODE lets this user sign in with a password (the one reading of the setting). */
export function passwordLoginAllowedFor(user: { isStaff: boolean }): boolean {
  return env.passwordLoginMode === 'ENABLED' || (env.passwordLoginMode === 'CUSTOMERS_ONLY' && !user.isStaff)
}

/** PASSWORD_LOGIN_MODE, for every path that turns a password into a session (signInWithPassword, setPassword). */
export function assertPasswordLoginAllowed(user: { isStaff: boolean }): void {
  if (!passwordLoginAllowedFor(user)) throw disabledAuthentication()
}

function disabledAuthentication(): DomainError {
  return new DomainError({
    field: 'email',
    code: 'DISABLED_AUTHENTICATION_METHOD',
    message: 'Password sign-in is disabled for this account.',
  })
}
