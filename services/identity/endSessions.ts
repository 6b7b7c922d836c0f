// Ending what a user signed in with, after a change that makes it wrong: every session (access
// and refresh tokens, Admin UI cookies, all held against the user's token key, and the customer API
// token), and with them, where the change says so, the one-time links still pending.
import type { Context } from '../../generated/keystone/types'
import { newTokenKey } from './jwt'

/**
 * The user columns that end every session: a new token key (access and refresh tokens, the Admin
 * UI cookie) and no customer API token; for a change that writes the user row anyway.
 */
export function columnsThatEndSessions(): { jwtTokenKey: string; customerTokenHash: null } {
  return { jwtTokenKey: newTokenKey(), customerTokenHash: null }
}

/** End every session of the user (tokensDeactivateAll). */
export async function endSessions(context: Context, userId: string): Promise<void> {
  await context.prisma.user.update({ where: { id: userId }, data: columnsThatEndSessions() })
}

/**
 * End every session of the user and every one-time link not yet used, after a change that makes
 * its old credentials wrong (new email, deactivation, promotion, a password set by staff).
 */
export async function endSessionsAndLinks(context: Context, userId: string): Promise<void> {
  await endSessions(context, userId)
  await context.prisma.oneTimeToken.deleteMany({ where: { userId, usedAt: null } })
}
