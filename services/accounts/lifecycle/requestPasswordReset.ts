// requestPasswordReset, and the reset link staff send from a user's page (staffActions.ts).
import type { Context } from '../../../generated/keystone/types'
import {
  ENUMERATION_SAFE_FLOOR_MS,
  inTransaction,
  normalizeEmail,
  tryLockUser,
  withMinimumDuration,
} from '../../kernel'
import { mailOneTimeLink, type LinkRequester } from '../../users'
import { assertAllowedRedirectUrl } from '../../messaging'
import { resolveChannel, type ChannelRef } from '../../messaging'

/**
 * Mail a password-reset link. Unknown and inactive emails get the same answer in the same
 * time; a second request within the address's quiet period sends nothing, until setPassword ends it.
 */
export async function requestPasswordReset(
  context: Context,
  args: { email: string; redirectUrl: string; channel?: string | null },
): Promise<void> {
  const redirectUrl = assertAllowedRedirectUrl(args.redirectUrl)
  const channel = await resolveChannel(context, args.channel)
  const email = normalizeEmail(args.email)
  await withMinimumDuration(ENUMERATION_SAFE_FLOOR_MS, async () => {
    const user = await context.prisma.user.findUnique({ where: { email }, select: { id: true } })
    if (!user) return
    await inTransaction(context, tx =>
      sendPasswordResetLink(tx, user.id, { redirectUrl, channel, actorId: user.id, sentBy: 'self' }),
    )
  })
}

/**
 * Issue a reset link to an active user and queue its mail, event and webhook in `tx`. Nothing is
 * written for an inactive user ('inactive'), nor ('quiet') within the address's quiet period for
 * password links of this kind of requester (the outbox's rule: 15 minutes for anyone's requests,
 * until setPassword ends it; a minute for staff's), or while a concurrent twin holds the user's
 * lock. A staff send replaces the user's own link; each kind leaves the other's quiet period alone.
 */
export async function sendPasswordResetLink(
  tx: Context,
  userId: string,
  args: { redirectUrl: string; channel: ChannelRef; actorId: string; sentBy: LinkRequester },
): Promise<'sent' | 'quiet' | 'inactive'> {
  if (!(await tryLockUser(tx, userId))) return 'quiet'
  const user = await tx.prisma.user.findUnique({ where: { id: userId } })
  if (!user?.isActive) return 'inactive'
  const sent = await mailOneTimeLink(tx, {
    user,
    purpose: 'PASSWORD_RESET',
    redirectUrl: args.redirectUrl,
    channel: args.channel,
    requestedBy: args.sentBy,
    actorId: args.actorId,
  })
  return sent ? 'sent' : 'quiet'
}
