// JWT access and refresh tokens (Saleor's claims, so @saleor/auth-sdk works unchanged, and ours:
// `sid`, the session a token belongs to, `amr`, how it signed in, and a refresh token's generation
// `gen`) and the per-user token key that revokes every token of a user at once when it is rotated.
// A token is a pure function of its claims and times (HS256), so a refresh token already issued can
// be issued again, byte for byte: the grace of refresh rotation answers a retry with it.
import { createHmac, randomBytes } from 'node:crypto'
import { SignJWT, jwtVerify, errors as joseErrors, type JWTPayload } from 'jose'
import { env } from '../../env'
import { keyFromSessionSecret } from '../kernel'

export type TokenType = 'access' | 'refresh'

export type TokenClaims = JWTPayload & {
  type: TokenType
  sub: string
  user_id: string
  email: string
  is_staff: boolean
  token: string
  sid: string
  amr: string[]
  // a refresh token's generation within its session (services/identity/refreshRotation.ts)
  gen?: number
  csrf_token?: string
  // RFC 8693's actor claim: in an impersonation (amr `imp`), the staff member acting as `sub`
  act?: { sub: string }
}

export type TokenUser = { id: string; email: string; isStaff: boolean; jwtTokenKey: string | null }

/**
 * The session a token belongs to: its id and how it signed in, and in an impersonation the staff
 * member acting (its `actorId`, '' or absent in every other session).
 */
export type TokenSession = { id: string; amr: readonly string[]; actorId?: string }

// why a token's signature, issuer, expiry or shape does not hold
export type TokenFault = 'malformed' | 'expired' | 'forged'

export type VerifyResult = { ok: true; claims: TokenClaims } | { ok: false; fault: TokenFault }

// a signing key of its own, derived from SESSION_SECRET, so cookie and JWT keys never coincide;
// imported once as a CryptoKey, since jose would import raw bytes again for every token
const signingKey: Promise<CryptoKey> = crypto.subtle.importKey(
  'raw',
  createHmac('sha256', env.sessionSecret).update('jwt-signing-key').digest(),
  { name: 'HMAC', hash: 'SHA-256' },
  false,
  ['sign', 'verify'],
)

export const jwtIssuer = `${env.publicUrl}/api/graphql`

export function newTokenKey(): string {
  return randomBytes(24).toString('base64url')
}

const csrfKey = keyFromSessionSecret('refresh-csrf-v1')

/**
 * The CSRF token of a session's refresh tokens: one per session, the same across rotations, so a
 * second tab that refreshes from the shared cookie after the first rotated it still holds the
 * right one. Unpredictable without SESSION_SECRET.
 */
export function csrfTokenOf(sessionId: string): string {
  return createHmac('sha256', csrfKey).update(sessionId).digest('base64url')
}

async function sign(
  user: TokenUser,
  session: TokenSession,
  type: TokenType,
  times: { issuedAt: number; expiresAt: number },
  extra: Record<string, unknown> = {},
): Promise<string> {
  if (!user.jwtTokenKey) throw new Error(`user ${user.id} has no token key`)
  return new SignJWT({
    type,
    user_id: user.id,
    email: user.email,
    is_staff: user.isStaff,
    token: user.jwtTokenKey,
    sid: session.id,
    amr: [...session.amr],
    ...(session.actorId ? { act: { sub: session.actorId } } : {}),
    ...extra,
  })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(user.id)
    .setIssuer(jwtIssuer)
    .setIssuedAt(times.issuedAt)
    .setExpirationTime(times.expiresAt)
    .sign(await signingKey)
}

/** An access token of the session, good for ACCESS_TOKEN_TTL or the `ttlSeconds` given. */
export async function issueAccessToken(
  user: TokenUser,
  session: TokenSession,
  ttlSeconds: number = env.accessTokenTtl,
): Promise<string> {
  const now = Math.floor(Date.now() / 1000)
  return sign(user, session, 'access', { issuedAt: now, expiresAt: now + ttlSeconds })
}

/**
 * A session's refresh token of one generation, issued at `issuedAt` and good until `expiresAt`
 * (the session's expiry): the same arguments give the same token. It carries the session's CSRF
 * token, which a refresh from the cookie must present too.
 */
export async function issueRefreshToken(
  user: TokenUser,
  session: TokenSession,
  refresh: { generation: number; issuedAt: Date; expiresAt: Date },
): Promise<string> {
  const times = {
    issuedAt: Math.floor(refresh.issuedAt.getTime() / 1000),
    expiresAt: Math.floor(refresh.expiresAt.getTime() / 1000),
  }
  return sign(user, session, 'refresh', times, { gen: refresh.generation, csrf_token: csrfTokenOf(session.id) })
}

/**
 * Check a token's signature, issuer, expiry and shape; says what is wrong when it fails. Whether
 * it is an access or a refresh token, and whether its user still holds its key, is for the
 * token strategy (strategies/jsonWebToken.ts) to judge.
 */
export async function verifyToken(token: string): Promise<VerifyResult> {
  try {
    const { payload } = await jwtVerify(token, await signingKey, { issuer: jwtIssuer, algorithms: ['HS256'] })
    const typed = payload.type === 'access' || payload.type === 'refresh'
    const generation = payload.type !== 'refresh' || (Number.isSafeInteger(payload.gen) && Number(payload.gen) >= 0)
    const sessionBound = typeof payload.sid === 'string' && Array.isArray(payload.amr)
    const act = payload.act
    const actor =
      act === undefined ||
      (typeof act === 'object' && act !== null && typeof (act as { sub?: unknown }).sub === 'string')
    // a token from before sessions (no `sid`) is good no more: its holder signs in again
    if (
      !typed ||
      !generation ||
      !sessionBound ||
      !actor ||
      typeof payload.sub !== 'string' ||
      typeof payload.token !== 'string'
    ) {
      return { ok: false, fault: 'forged' }
    }
    return { ok: true, claims: payload as TokenClaims }
  } catch (error) {
    if (error instanceof joseErrors.JWTExpired) return { ok: false, fault: 'expired' }
    if (error instanceof joseErrors.JWSInvalid || error instanceof joseErrors.JWTInvalid)
      return { ok: false, fault: 'malformed' }
    return { ok: false, fault: 'forged' }
  }
}
