// The Admin UI's cookie (Keystone's sealed stateless session): it carries the user's id and a
// fingerprint of the user's token key, so rotating the key (password change or reset, email
// change, tokensDeactivateAll, deactivation, promotion) ends Admin UI sessions too. Good while the
// user exists, is active and its key's fingerprint is still the one sealed in the cookie. Only the
// server's own origin presents it (auth.ts): that gate is the HTTP edge's, not this strategy's.
import { createHmac } from 'node:crypto'
import type { Context } from '../../../generated/keystone/types'
import { env } from '../../../env'
import { isSameSecret } from '../sameSecret'
import { loadSessionUser, sessionOf } from '../sessions'
import { refused, type AuthStrategy, type Authentication, type Credential } from './strategy'

type CookieCredential = Extract<Credential, { kind: 'adminCookie' }>

export const adminCookieStrategy: AuthStrategy<CookieCredential> = {
  takes(credential): credential is CookieCredential {
    return credential.kind === 'adminCookie'
  },
  judge,
}

async function judge(context: Context, credential: CookieCredential): Promise<Authentication> {
  const user = await loadSessionUser(context, { id: credential.itemId })
  if (!user) return refused('noSuchUser')
  if (!user.isActive) return refused('inactive')
  if (!user.jwtTokenKey || !isSameSecret(credential.key, fingerprint(user.jwtTokenKey))) return refused('revoked')
  return { ok: true, session: sessionOf(user, 'cookie'), user }
}

/** What the Admin UI's cookie seals for a user who has just signed in: its id and its key's fingerprint. */
export async function adminCookieData(
  context: Context,
  userId: string,
): Promise<{ listKey: 'User'; itemId: string; key: string }> {
  const user = await loadSessionUser(context, { id: userId })
  return { listKey: 'User', itemId: userId, key: fingerprint(user?.jwtTokenKey ?? '') }
}

// the same HMAC as ever, so cookies sealed before this change stay good
function fingerprint(tokenKey: string): string {
  return createHmac('sha256', env.sessionSecret).update(`cookie:${tokenKey}`).digest('base64url')
}
