// The tokens a sign-in leaves, and what a client does with them later: begin the sign-in's session
// and issue its access token, refresh token and CSRF token (with a device proof); tell whether an
// access token is good now. Whether a token is good is authenticate's decision (authenticate.ts);
// here its refusal becomes the contract's JWT_* error. A refresh is refreshRotation.ts's.
import type { Context } from '../../generated/keystone/types'
import { env } from '../../env'
import { DomainError } from '../kernel'
import { authenticate } from './authenticate'
import { issueDeviceProof, type DeviceProof } from './deviceProof'
import { csrfTokenOf, issueAccessToken, issueRefreshToken, type TokenClaims, type TokenUser } from './jwt'
import { REFUSAL_MESSAGES, type Credential } from './strategies/strategy'
import { startSession, type AuthMethod } from './userSessions'

// every sign-in that issues tokens also leaves the client a device proof (services/identity/deviceProof.ts)
export type IssuedTokens = {
  userId: string
  sessionId: string
  // when the session (and its refresh token) expires
  expiresAt: Date
  accessToken: string
  refreshToken: string
  csrfToken: string
  deviceProof: DeviceProof
}

/** Who signs in from where, and how it proved it: what a session records (API.md §9). */
export type SignInClient = { ip: string; userAgent: string | undefined }

/**
 * How long an impersonation lasts (API.md §10): its session and its one access token, whatever
 * ACCESS_TOKEN_TTL says; there is no refresh token to prolong it.
 */
export const IMPERSONATION_TTL_SECONDS = 15 * 60

/** Who impersonates: the staff member, and the session of its own it acts from. */
export type Impersonator = { id: string; sessionId: string }

/** What an impersonation leaves: one access token of the customer's new session, nothing to refresh it. */
export type ImpersonationTokens = { userId: string; sessionId: string; expiresAt: Date; accessToken: string }

/**
 * Sign a user in with tokens: begin its session (startSession, the one function every way in
 * calls) and issue the session's first access and refresh tokens. With `impersonatedBy` (a staff
 * member's id and the id of the staff session it acts from), the session is an impersonation
 * instead: amr `imp`, the staff member as its actorId and the token's `act` claim, the staff
 * session as its actorSessionId (ending that session ends the impersonation),
 * IMPERSONATION_TTL_SECONDS long, and no refresh token (jsonWebToken.ts refuses to refresh such a
 * session even so).
 */
export async function issueTokens(
  context: Context,
  user: TokenUser,
  signIn: SignInClient & { amr: AuthMethod[]; passkeyId?: string },
): Promise<IssuedTokens>
export async function issueTokens(
  context: Context,
  user: TokenUser,
  signIn: SignInClient & { impersonatedBy: Impersonator },
): Promise<ImpersonationTokens>
export async function issueTokens(
  context: Context,
  user: TokenUser,
  signIn: SignInClient & ({ amr: AuthMethod[]; passkeyId?: string } | { impersonatedBy: Impersonator }),
): Promise<IssuedTokens | ImpersonationTokens> {
  if (!user.jwtTokenKey) throw new Error(`user ${user.id} has no token key`)
  const impersonatedBy = 'impersonatedBy' in signIn ? signIn.impersonatedBy : undefined
  if (
    impersonatedBy !== undefined &&
    (!impersonatedBy.id || !impersonatedBy.sessionId || impersonatedBy.id === user.id)
  )
    throw new Error('an impersonation names another user as its actor')
  const session = await startSession(context, {
    userId: user.id,
    tokenKey: user.jwtTokenKey,
    kind: 'tokens',
    amr: impersonatedBy ? ['imp'] : (signIn as { amr: AuthMethod[] }).amr,
    ip: signIn.ip,
    userAgent: signIn.userAgent,
    lifetimeSeconds: impersonatedBy ? IMPERSONATION_TTL_SECONDS : env.refreshTokenTtl,
    ...(impersonatedBy
      ? { actorId: impersonatedBy.id, actorSessionId: impersonatedBy.sessionId }
      : { passkeyId: (signIn as { passkeyId?: string }).passkeyId }),
  })
  if (impersonatedBy) {
    // the token and its session both end IMPERSONATION_TTL_SECONDS from now (the session's check refuses it after)
    return {
      userId: user.id,
      sessionId: session.id,
      expiresAt: session.expiresAt,
      accessToken: await issueAccessToken(user, session, IMPERSONATION_TTL_SECONDS),
    }
  }
  const refresh = { generation: 0, issuedAt: session.createdAt, expiresAt: session.expiresAt }
  return {
    userId: user.id,
    sessionId: session.id,
    expiresAt: session.expiresAt,
    accessToken: await issueAccessToken(user, session),
    refreshToken: await issueRefreshToken(user, session, refresh),
    csrfToken: csrfTokenOf(session.id),
    deviceProof: issueDeviceProof(user.id),
  }
}

/** Verify an access token as the API would accept it: signature, expiry, its session alive, and not revoked. */
export async function verifyAccessToken(
  context: Context,
  token: string,
): Promise<{ userId: string; claims: TokenClaims }> {
  const { user, claims } = await goodToken(context, { kind: 'accessToken', token }, 'token')
  return { userId: user.id, claims }
}

// a token authenticate admits, with its claims, or its refusal as the error on `field`
export async function goodToken(context: Context, credential: Credential, field: string) {
  const authentication = await authenticate(context, credential)
  if (!authentication.ok || !authentication.claims || !authentication.signIn) {
    const code = authentication.ok ? 'JWT_INVALID_TOKEN' : authentication.code
    throw new DomainError({ field, code, message: REFUSAL_MESSAGES[code] })
  }
  return { user: authentication.user, claims: authentication.claims, signIn: authentication.signIn }
}
