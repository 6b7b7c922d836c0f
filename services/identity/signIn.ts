// Signing in and out: tokenCreate's password check (throttled, the same cost for unknown emails),
// refresh with CSRF, verification, and revocation of every token of a user.
import type { Context } from '../../generated/keystone/types'
import { env } from '../../env'
import { normalizeEmail } from '../kernel'
import { DomainError } from '../kernel'
import { hashPassword, needsRehash, verifyPassword } from './passwords'
import { issueDeviceProof, verifiedDevice, type DeviceProof } from './deviceProof'
import { checkLoginAllowed, loginDelayedError, recordLoginFailure, recordLoginSuccess } from './throttle'
import {
  issueAccessToken,
  issueRefreshToken,
  newCsrfToken,
  newTokenKey,
  revokedCredentials,
  verifyToken,
  type JwtErrorCode,
  type TokenClaims,
  type TokenUser,
} from './jwt'

type User = NonNullable<Awaited<ReturnType<Context['prisma']['user']['findUnique']>>>

// every sign-in that issues tokens also leaves the client a device proof (services/identity/deviceProof.ts)
export type IssuedTokens = {
  userId: string
  accessToken: string
  refreshToken: string
  csrfToken: string
  deviceProof: DeviceProof
}

/** A password sign-in's input; `deviceProofOf` reads the client's device proof cookie for a user id. */
export type SignInArgs = {
  email: string
  password: string
  ip: string
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

/** tokenCreate: a password sign-in that issues an access token, a refresh token and its CSRF token. */
export async function login(context: Context, args: SignInArgs): Promise<IssuedTokens> {
  const user = await signInWithPassword(context, args)
  if (!user.isActive) throw new DomainError({ field: 'email', code: 'INACTIVE', message: 'Account inactive.' })
  if (env.accountConfirmationRequired && !user.isConfirmed) {
    throw new DomainError({
      field: 'email',
      code: 'ACCOUNT_NOT_CONFIRMED',
      message: 'Account needs to be confirmed via email.',
    })
  }

  const jwtTokenKey = user.jwtTokenKey || newTokenKey()
  await context.prisma.user.update({
    where: { id: user.id },
    data: {
      lastLogin: new Date(),
      jwtTokenKey,
      // older bcrypt hashes (Keystone's default) become argon2id at the first login that proves them
      ...(needsRehash(user.password!) ? { password: await hashPassword(args.password) } : {}),
    },
  })
  return issueTokens({ id: user.id, email: user.email, isStaff: user.isStaff, jwtTokenKey })
}

/** PASSWORD_LOGIN_MODE, for every path that turns a password into a session (signInWithPassword, setPassword). */
export function assertPasswordLoginAllowed(user: { isStaff: boolean }): void {
  if (env.passwordLoginMode === 'DISABLED' || (env.passwordLoginMode === 'CUSTOMERS_ONLY' && user.isStaff))
    throw disabledAuthentication()
}

function disabledAuthentication(): DomainError {
  return new DomainError({
    field: 'email',
    code: 'DISABLED_AUTHENTICATION_METHOD',
    message: 'Password sign-in is disabled for this account.',
  })
}

export async function issueTokens(user: TokenUser): Promise<IssuedTokens> {
  const csrfToken = newCsrfToken()
  return {
    userId: user.id,
    accessToken: await issueAccessToken(user),
    refreshToken: await issueRefreshToken(user, csrfToken),
    csrfToken,
    deviceProof: issueDeviceProof(user.id),
  }
}

/**
 * Exchange a refresh token for a new access token. A refresh token read from the cookie must
 * come with its CSRF token, or any site could refresh on the user's behalf.
 */
export async function refreshAccessToken(
  context: Context,
  args: { refreshToken: string | undefined; csrfToken: string | undefined; fromCookie: boolean },
): Promise<{ userId: string; accessToken: string }> {
  if (!args.refreshToken)
    throw new DomainError({ field: 'refreshToken', code: 'JWT_MISSING_TOKEN', message: 'Missing refreshToken' })
  const claims = await liveClaims(context, args.refreshToken, 'refresh', 'refreshToken')
  if (args.fromCookie && (!args.csrfToken || args.csrfToken !== claims.csrf_token)) {
    throw new DomainError({ field: 'csrfToken', code: 'JWT_INVALID_CSRF_TOKEN', message: 'Invalid csrf token' })
  }
  const user = await context.prisma.user.findUniqueOrThrow({ where: { id: claims.sub } })
  return { userId: user.id, accessToken: await issueAccessToken(user) }
}

/** Verify an access token as the API would accept it: signature, expiry, and not revoked. */
export async function verifyLiveAccessToken(
  context: Context,
  token: string,
): Promise<{ userId: string; claims: TokenClaims }> {
  const claims = await liveClaims(context, token, 'access', 'token')
  return { userId: claims.sub, claims }
}

/**
 * Sign a user out everywhere after a change that makes its old credentials wrong (new email,
 * deactivation, promotion, a password set by staff): every token, and any pending one-time link.
 */
export async function revokeCredentialsAndLinks(context: Context, userId: string): Promise<void> {
  await context.prisma.user.update({ where: { id: userId }, data: revokedCredentials() })
  await context.prisma.oneTimeToken.deleteMany({ where: { userId, usedAt: null } })
}

/** Revoke every token of the user: access and refresh tokens and its customer API token. */
export async function revokeCredentials(context: Context, userId: string): Promise<void> {
  await context.prisma.user.update({ where: { id: userId }, data: revokedCredentials() })
}

const JWT_MESSAGES: Record<JwtErrorCode, string> = {
  JWT_SIGNATURE_EXPIRED: 'Signature has expired',
  JWT_DECODE_ERROR: 'Error decoding signature',
  JWT_INVALID_TOKEN: 'Invalid token',
}

async function liveClaims(
  context: Context,
  token: string,
  type: 'access' | 'refresh',
  field: string,
): Promise<TokenClaims> {
  const verified = await verifyToken(token, type)
  if (!verified.ok) throw new DomainError({ field, code: verified.code, message: JWT_MESSAGES[verified.code] })
  const user = await context.prisma.user.findUnique({ where: { id: verified.claims.sub } })
  if (!user || !user.isActive || user.jwtTokenKey !== verified.claims.token) {
    throw new DomainError({ field, code: 'JWT_INVALID_TOKEN', message: JWT_MESSAGES.JWT_INVALID_TOKEN })
  }
  return verified.claims
}
