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
import { bindSignIn, type ProvenUser } from '../signIn'
import { isSessionAlive, recordSessionUse, startSession } from '../userSessions'
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

// as long as Keystone's cookie lives (auth.ts)
export const ADMIN_COOKIE_MAX_AGE_SECONDS = 60 * 60 * 8

/**
 * The Admin UI's sign-in: begin its session (startSession, as every sign-in does) bound to the key
 * the sign-in proved (bindSignIn: never a key written back, never a key a later password set), and
 * answer what the cookie seals: the user's id, its key's fingerprint and the session's id. Without
 * `proven` (Keystone's page that creates the first user, who has just chosen the password), the
 * user's key as it is, made once if it has none.
 */
export async function startAdminCookieSession(
  context: Context,
  userId: string,
  client: { ip: string; userAgent: string | undefined },
  proven?: ProvenUser,
): Promise<{ listKey: 'User'; itemId: string; key: string; sessionId: string }> {
  const tokenKey = await bindSignIn(
    context,
    proven ??
      (await context.prisma.user.findUniqueOrThrow({
        where: { id: userId },
        select: { id: true, password: true, jwtTokenKey: true },
      })),
  )
  const signIn = await startSession(context, {
    userId,
    tokenKey,
    kind: 'adminCookie',
    amr: ['pwd'],
    ...client,
    lifetimeSeconds: ADMIN_COOKIE_MAX_AGE_SECONDS,
  })
  return { listKey: 'User', itemId: userId, key: fingerprint(tokenKey), sessionId: signIn.id }
}

// the same HMAC as ever
function fingerprint(tokenKey: string): string {
  return createHmac('sha256', env.sessionSecret).update(`cookie:${tokenKey}`).digest('base64url')
}
