// JWT access and refresh tokens (Saleor's claims, so @saleor/auth-sdk works unchanged) and the
// per-user token key that revokes every token of a user at once when it is rotated.
import { createHmac, randomBytes } from 'node:crypto'
import { SignJWT, jwtVerify, errors as joseErrors, type JWTPayload } from 'jose'
import { env } from '../../env'

export type TokenType = 'access' | 'refresh'

export type TokenClaims = JWTPayload & {
  type: TokenType
  sub: string
  user_id: string
  email: string
  is_staff: boolean
  token: string
  csrf_token?: string
}

export type TokenUser = { id: string; email: string; isStaff: boolean; jwtTokenKey: string | null }

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

export function newCsrfToken(): string {
  return randomBytes(32).toString('base64url')
}

async function sign(
  user: TokenUser,
  type: TokenType,
  ttlSeconds: number,
  extra: Record<string, unknown> = {},
): Promise<string> {
  if (!user.jwtTokenKey) throw new Error(`user ${user.id} has no token key`)
  return new SignJWT({
    type,
    user_id: user.id,
    email: user.email,
    is_staff: user.isStaff,
    token: user.jwtTokenKey,
    ...extra,
  })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(user.id)
    .setIssuer(jwtIssuer)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
    .sign(await signingKey)
}

export async function issueAccessToken(user: TokenUser): Promise<string> {
  return sign(user, 'access', env.accessTokenTtl)
}

/** A refresh token carries a CSRF token, which a refresh from the cookie must present too. */
export async function issueRefreshToken(user: TokenUser, csrfToken: string): Promise<string> {
  return sign(user, 'refresh', env.refreshTokenTtl, { csrf_token: csrfToken })
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
    if (!typed || typeof payload.sub !== 'string' || typeof payload.token !== 'string') {
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
