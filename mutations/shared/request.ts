// What a resolver reads from or writes to the HTTP exchange: the client IP, the refresh-token
// cookie and the device proof cookies.
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Context } from './g'
import { env } from '../../env'
import { clientIpOf } from '../../services/kernel'
import { deviceCookieName, type DeviceProof, type IssuedTokens, type SignInClient } from '../../services/identity'

export const REFRESH_COOKIE = 'refreshToken'

export function clientIp(context: Context): string {
  return clientIpOf(context.req)
}

/** Where a sign-in comes from, as its session records it: the client IP and the user agent. */
export function signInClient(context: Context): SignInClient {
  return { ip: clientIp(context), userAgent: context.req?.headers['user-agent'] }
}

export function readRefreshCookie(context: Context): string | undefined {
  return readCookie(context.req, REFRESH_COOKIE)
}

// http-only so page scripts never see it; scoped to the API; Secure outside development; it lives
// as long as its session (`expiresAt`, slid by each rotation)
export function setRefreshCookie(context: Context, refreshToken: string, expiresAt: Date): void {
  const maxAge = Math.max(0, Math.floor((expiresAt.getTime() - Date.now()) / 1000))
  appendCookie(context.res, [
    `${REFRESH_COOKIE}=${encodeURIComponent(refreshToken)}`,
    'Path=/api/graphql',
    'HttpOnly',
    'SameSite=Lax',
    `Max-Age=${maxAge}`,
    ...(env.isProduction ? ['Secure'] : []),
  ])
}

/** What a sign-in that issued tokens leaves in the client: the refresh cookie and a device proof. */
/** What a sign-in that issued tokens answers in its payload: the tokens, and whose session it began (payloads.ts: userField). */
export type SignedIn = {
  token?: string
  refreshToken?: string
  csrfToken?: string
  userId?: string
  sessionId?: string
}

/** Answer a sign-in that issued tokens (tokenCreate, tokenCreateMfa, tokenCreateWithPasskey, setPassword): its cookies set, its payload. */
export function answerSignIn(context: Context, tokens: IssuedTokens): SignedIn {
  setSignInCookies(context, tokens)
  return {
    token: tokens.accessToken,
    refreshToken: tokens.refreshToken,
    csrfToken: tokens.csrfToken,
    userId: tokens.userId,
    sessionId: tokens.sessionId,
  }
}

function setSignInCookies(context: Context, tokens: IssuedTokens): void {
  setRefreshCookie(context, tokens.refreshToken, tokens.expiresAt)
  setDeviceCookie(context.res, tokens.deviceProof)
}

/** Read the client's device proof for a user from its cookie, for signInWithPassword. */
export function deviceProofReader(req: IncomingMessage | undefined): (userId: string) => string | undefined {
  return userId => readCookie(req, deviceCookieName(userId))
}

// http-only, sent only to the API and only from the site itself (Strict), Secure outside development
export function setDeviceCookie(res: ServerResponse | undefined, proof: DeviceProof): void {
  appendCookie(res, [
    `${proof.name}=${proof.value}`,
    'Path=/api/graphql',
    'HttpOnly',
    'SameSite=Strict',
    `Max-Age=${proof.maxAgeSeconds}`,
    ...(env.isProduction ? ['Secure'] : []),
  ])
}

export function readCookie(req: IncomingMessage | undefined, name: string): string | undefined {
  const header = req?.headers.cookie
  if (!header) return undefined
  for (const part of header.split(';')) {
    const [key, ...value] = part.trim().split('=')
    if (key === name) {
      try {
        return decodeURIComponent(value.join('='))
      } catch {
        return undefined
      }
    }
  }
  return undefined
}

// beside any cookie the response already sets (Keystone's session cookie among them)
export function appendCookie(res: ServerResponse | undefined, attributes: string[]): void {
  if (!res) return
  const existing = res.getHeader('Set-Cookie')
  const cookies = Array.isArray(existing) ? existing : existing ? [String(existing)] : []
  res.setHeader('Set-Cookie', [...cookies, attributes.join('; ')])
}
