// The Admin UI's sign-in (auth.ts: sessionStrategy.start): the session its cookie seals, begun as
// every sign-in's is (startSession) and bound to what the password check proved (bindSignIn). The
// cookie itself is judged by strategies/adminCookie.ts.
import type { Context } from '../../generated/keystone/types'
import { bindSignIn, type ProvenUser } from './signIn'
import { fingerprint } from './strategies/adminCookie'
import { startSession } from './userSessions'

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
