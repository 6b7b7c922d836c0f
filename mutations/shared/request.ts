// What a resolver reads from or writes to the HTTP exchange: the client IP and the refresh-token cookie.
import type { Context } from './g'
import { env } from '../../env'
import { clientIpOf } from '../../services/kernel'

export const REFRESH_COOKIE = 'refreshToken'

export function clientIp(context: Context): string {
  return clientIpOf(context.req)
}

export function readRefreshCookie(context: Context): string | undefined {
  const header = context.req?.headers.cookie
  if (!header) return undefined
  for (const part of header.split(';')) {
    const [name, ...value] = part.trim().split('=')
    if (name === REFRESH_COOKIE) return decodeURIComponent(value.join('='))
  }
  return undefined
}

// http-only so page scripts never see it; scoped to the API; Secure outside development
export function setRefreshCookie(context: Context, refreshToken: string): void {
  const attributes = [
    `${REFRESH_COOKIE}=${encodeURIComponent(refreshToken)}`,
    'Path=/api/graphql',
    'HttpOnly',
    'SameSite=Lax',
    `Max-Age=${env.refreshTokenTtl}`,
    ...(env.isProduction ? ['Secure'] : []),
  ]
  const res = context.res
  if (!res) return
  const existing = res.getHeader('Set-Cookie')
  const cookies = Array.isArray(existing) ? existing : existing ? [String(existing)] : []
  res.setHeader('Set-Cookie', [...cookies, attributes.join('; ')])
}
