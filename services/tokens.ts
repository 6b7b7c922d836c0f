// JWT access tokens (Saleor's claims, so @saleor/auth-sdk works unchanged) and the per-user
// token key that revokes every token of a user at once when it is rotated.
import { randomBytes, createHmac } from 'node:crypto'
import { SignJWT, jwtVerify, errors as joseErrors } from 'jose'
import { env } from '../env'

export type AccessClaims = {
  type: 'access'
  sub: string
  user_id: string
  email: string
  is_staff: boolean
  token: string
}

export type TokenUser = { id: string, email: string, isStaff: boolean, jwtTokenKey: string | null }

// a signing key of its own, derived from SESSION_SECRET, so cookie and JWT keys never coincide
const signingKey = createHmac('sha256', env.sessionSecret).update('jwt-signing-key').digest()

export const jwtIssuer = `${env.publicUrl}/api/graphql`

export function newTokenKey (): string {
  return randomBytes(24).toString('base64url')
}

export async function issueAccessToken (user: TokenUser): Promise<string> {
  if (!user.jwtTokenKey) throw new Error(`user ${user.id} has no token key`)
  return new SignJWT({ type: 'access', user_id: user.id, email: user.email, is_staff: user.isStaff, token: user.jwtTokenKey })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(user.id)
    .setIssuer(jwtIssuer)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + env.accessTokenTtl)
    .sign(signingKey)
}

export type VerifyResult =
  | { ok: true, claims: AccessClaims }
  | { ok: false, code: 'JWT_SIGNATURE_EXPIRED' | 'JWT_INVALID_TOKEN' | 'JWT_DECODE_ERROR' }

/** Check signature, issuer, expiry and shape of an access token; says why when it fails. */
export async function verifyAccessToken (token: string): Promise<VerifyResult> {
  try {
    const { payload } = await jwtVerify(token, signingKey, { issuer: jwtIssuer, algorithms: ['HS256'] })
    if (payload.type !== 'access' || typeof payload.sub !== 'string' || typeof payload.token !== 'string') {
      return { ok: false, code: 'JWT_INVALID_TOKEN' }
    }
    return { ok: true, claims: payload as unknown as AccessClaims }
  } catch (error) {
    if (error instanceof joseErrors.JWTExpired) return { ok: false, code: 'JWT_SIGNATURE_EXPIRED' }
    if (error instanceof joseErrors.JWSInvalid || error instanceof joseErrors.JWTInvalid) return { ok: false, code: 'JWT_DECODE_ERROR' }
    return { ok: false, code: 'JWT_INVALID_TOKEN' }
  }
}
