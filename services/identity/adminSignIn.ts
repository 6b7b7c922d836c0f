// The Admin UI's sign-in (auth.ts: sessionStrategy.start): the session its cookie seals, begun as
// every sign-in's is (startSession), bound to what the sign-in proved (bindSignIn for a password,
// the passkey sign-in's own binding for a passkey) and carrying its amr. The cookie itself is
// judged by strategies/adminCookie.ts.
import type { Context } from '../../generated/keystone/types'
import { bindSignIn, type ProvenUser } from './signIn'
import { fingerprint } from './strategies/adminCookie'
import { startSession, type AuthMethod } from './userSessions'

// as long as Keystone's cookie lives (auth.ts)
export const ADMIN_COOKIE_MAX_AGE_SECONDS = 60 * 60 * 8

/**
 * What an Admin UI sign-in proved, for its session to bind to and record: a password (the row
 * its check read, `proven`, bound through bindSignIn), with a TOTP or recovery code after it
 * (`amr` pwd, otp, mfa), or a sign-in that has already bound the key (`tokenKey`): a passkey's
 * (`amr` hwk, mfa, and the passkey the session records: verifyPasskeySignIn), a code step's, a provider's.
 */
export type AdminSignInProof = { amr: AuthMethod[] } & (
  { proven: ProvenUser } | { tokenKey: string; passkeyId?: string }
)

/**
 * The Admin UI's sign-in: begin its session (startSession, as every sign-in does) bound to the key
 * the sign-in proved (bindSignIn: never a key written back, never a key a later password set),
 * recording how it signed in (`amr`: STAFF_MFA_REQUIRED reads it, sessions.ts), and answer what
 * the cookie seals: the user's id, its key's fingerprint and the session's id. Without `proof`
 * (Keystone's page that creates the first user, who has just chosen the password), a password
 * sign-in bound to the user's key as it is, made once if it has none.
 */
export async function startAdminCookieSession(
  context: Context,
  userId: string,
  client: { ip: string; userAgent: string | undefined },
  proof?: AdminSignInProof,
): Promise<{ listKey: 'User'; itemId: string; key: string; sessionId: string }> {
  const tokenKey =
    proof && 'tokenKey' in proof
      ? proof.tokenKey
      : await bindSignIn(
          context,
          proof?.proven ??
            (await context.prisma.user.findUniqueOrThrow({
              where: { id: userId },
              select: { id: true, password: true, jwtTokenKey: true },
            })),
        )
  const signIn = await startSession(context, {
    userId,
    tokenKey,
    kind: 'adminCookie',
    amr: proof?.amr ?? ['pwd'],
    ...(proof && 'tokenKey' in proof ? { passkeyId: proof.passkeyId } : {}),
    ...client,
    lifetimeSeconds: ADMIN_COOKIE_MAX_AGE_SECONDS,
  })
  return { listKey: 'User', itemId: userId, key: fingerprint(tokenKey), sessionId: signIn.id }
}
