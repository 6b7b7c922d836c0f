// The Admin UI's sign-in beyond the password (auth.ts restrictAdminSignIn, adminSignInWithCode,
// adminSignInWithPasskey): the MFA_SIGN_IN challenge a right password of a staff user with TOTP
// leaves in the browser, and the cookie session the finished sign-in starts. The challenge rides
// in a cookie the page's scripts never read (HttpOnly), sent to the API only, from the site itself
// only (SameSite=Strict), for as long as the challenge lives; it is cleared by the step it serves.
import type { Context } from './g'
import { env } from '../../env'
import { issueDeviceProof, type AdminSignInProof } from '../../services/identity'
import { appendCookie, readCookie, setDeviceCookie } from './request'

export const ADMIN_MFA_COOKIE = 'ks-admin-mfa'

function challengeCookie(value: string, maxAgeSeconds: number): string[] {
  return [
    `${ADMIN_MFA_COOKIE}=${encodeURIComponent(value)}`,
    'Path=/api/graphql',
    'HttpOnly',
    'SameSite=Strict',
    `Max-Age=${Math.max(0, maxAgeSeconds)}`,
    ...(env.isProduction ? ['Secure'] : []),
  ]
}

/** Hand a password step's challenge to the browser, for as long as it lives. */
export function setAdminChallengeCookie(context: Context, challenge: string, expiresAt: Date): void {
  appendCookie(context.res, challengeCookie(challenge, Math.floor((expiresAt.getTime() - Date.now()) / 1000)))
}

/** The challenge the browser holds, if any. */
export function readAdminChallenge(context: Context): string {
  return readCookie(context.req, ADMIN_MFA_COOKIE) ?? ''
}

export function clearAdminChallengeCookie(context: Context): void {
  appendCookie(context.res, challengeCookie('', 0))
}

/**
 * Start the Admin UI's cookie session for a finished sign-in (auth.ts sessionStrategy.start), and
 * leave a device proof, as every sign-in does. False when Keystone made no cookie.
 */
export async function startAdminCookie(context: Context, userId: string, proof: AdminSignInProof): Promise<boolean> {
  const sessionToken = await context.sessionStrategy!.start({
    data: { listKey: 'User', itemId: userId, proof },
    context,
  })
  if (typeof sessionToken !== 'string' || !sessionToken) return false
  setDeviceCookie(context.res, issueDeviceProof(userId))
  return true
}
