// The tokens a sign-in leaves, and what a client does with them later: issue the access token,
// refresh token and CSRF token (with a device proof); exchange a refresh token for a new access
// token; tell whether an access token is good now. Whether a token is good is authenticate's
// decision (authenticate.ts); here its refusal becomes the contract's JWT_* error.
import type { Context } from '../../generated/keystone/types'
import { DomainError } from '../kernel'
import { authenticate } from './authenticate'
import { issueDeviceProof, type DeviceProof } from './deviceProof'
import { issueAccessToken, issueRefreshToken, newCsrfToken, type TokenClaims, type TokenUser } from './jwt'
import { isSameSecret } from './sameSecret'
import { REFUSAL_MESSAGES, type Credential } from './strategies/strategy'

// every sign-in that issues tokens also leaves the client a device proof (services/identity/deviceProof.ts)
export type IssuedTokens = {
  userId: string
  accessToken: string
  refreshToken: string
  csrfToken: string
  deviceProof: DeviceProof
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
  const { user, claims } = await goodToken(context, { kind: 'refreshToken', token: args.refreshToken }, 'refreshToken')
  if (args.fromCookie && !(args.csrfToken && claims.csrf_token && isSameSecret(args.csrfToken, claims.csrf_token))) {
    throw new DomainError({ field: 'csrfToken', code: 'JWT_INVALID_CSRF_TOKEN', message: 'Invalid csrf token' })
  }
  const tokenUser = {
    id: user.id,
    email: String(user.item.email),
    isStaff: user.isStaff,
    jwtTokenKey: user.jwtTokenKey,
  }
  return { userId: user.id, accessToken: await issueAccessToken(tokenUser) }
}

/** Verify an access token as the API would accept it: signature, expiry, and not revoked. */
export async function verifyAccessToken(
  context: Context,
  token: string,
): Promise<{ userId: string; claims: TokenClaims }> {
  const { user, claims } = await goodToken(context, { kind: 'accessToken', token }, 'token')
  return { userId: user.id, claims }
}

// a token authenticate admits, with its claims, or its refusal as the error on `field`
async function goodToken(context: Context, credential: Credential, field: string) {
  const authentication = await authenticate(context, credential)
  if (!authentication.ok || !authentication.claims) {
    const code = authentication.ok ? 'JWT_INVALID_TOKEN' : authentication.code
    throw new DomainError({ field, code, message: REFUSAL_MESSAGES[code] })
  }
  return { user: authentication.user, claims: authentication.claims }
}
