// The Admin UI's cookie (Keystone's sealed stateless session): it carries the user's id, a
// fingerprint of the user's token key, and the session its sign-in began (userSessions.ts), so
// rotating the key (password change or reset, email change, tokensDeactivateAll, deactivation,
// promotion) or ending the session ("Sign out this session") ends it too. Good while the user
// exists, is active, its key's fingerprint is still the one sealed in the cookie and its session is
// alive. Only the server's own origin presents it (auth.ts): that gate is the HTTP edge's, not
// this strategy's.
import { createHmac } from 'node:crypto'
import type { Context } from '../../../generated/keystone/types'
import { env } from '../../../env'
import { isSameSecret } from '../sameSecret'
import { loadSessionUser, sessionOf } from '../sessions'
import { isSessionAlive, recordSessionUse } from '../userSessions'
import { refused, type AuthStrategy, type Authentication, type Credential } from './strategy'

type CookieCredential = Extract<Credential, { kind: 'adminCookie' }>

export const adminCookieStrategy: AuthStrategy<CookieCredential> = {
  takes(credential): credential is CookieCredential {
    return credential.kind === 'adminCookie'
  },
  judge,
}

async function judge(context: Context, credential: CookieCredential): Promise<Authentication> {
  const user = await loadSessionUser(context, { id: credential.itemId, sessionId: credential.sessionId })
  if (!user) return refused('noSuchUser')
  if (!user.isActive) return refused('inactive')
  if (!user.jwtTokenKey || !isSameSecret(credential.key, fingerprint(user.jwtTokenKey))) return refused('revoked')
  const signIn = user.sessionState
  if (!signIn || signIn.kind !== 'adminCookie' || !isSessionAlive(signIn, user.jwtTokenKey))
    return refused('sessionEnded')
  await recordSessionUse(context, signIn)
  return { ok: true, session: sessionOf(user, 'cookie', signIn), user, signIn }
}

/** The fingerprint of a token key the cookie seals (the same HMAC as ever). */
export function fingerprint(tokenKey: string): string {
  return createHmac('sha256', env.sessionSecret).update(`cookie:${tokenKey}`).digest('base64url')
}
