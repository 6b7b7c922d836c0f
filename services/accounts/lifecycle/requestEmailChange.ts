// requestEmailChange: a link to the new address, after the password is checked again.
import type { Context } from '../../../generated/keystone/types'
import {
  DomainError,
  ENUMERATION_SAFE_FLOOR_MS,
  inTransaction,
  lockUser,
  isValidEmail,
  normalizeEmail,
  withMinimumDuration,
} from '../../kernel'
import { findEmailHolder, mailNotice, mailOneTimeLink, recordAccountEvent } from '../../users'
import { assertAllowedRedirectUrl } from '../../messaging'
import { proveOwnPassword } from '../../identity'
import { resolveChannel } from '../../messaging'

/**
 * Start an email change: re-check the password and mail a link to the new address. A new
 * address that is already taken gets a notice instead of a link, and the caller the same answer.
 */
export async function requestEmailChange(
  context: Context,
  args: {
    userId: string
    password: string
    newEmail: string
    redirectUrl: string
    channel?: string | null
    ip: string
  },
): Promise<void> {
  const user = await context.prisma.user.findUniqueOrThrow({ where: { id: args.userId } })
  const newEmail = normalizeEmail(args.newEmail)
  if (!isValidEmail(newEmail))
    throw new DomainError({ field: 'newEmail', code: 'INVALID', message: 'Enter a valid email address.' })
  const redirectUrl = assertAllowedRedirectUrl(args.redirectUrl)
  const channel = await resolveChannel(context, args.channel)
  await proveOwnPassword(context, {
    user,
    password: args.password,
    ip: args.ip,
    refusal: () =>
      new DomainError({ field: 'password', code: 'INVALID_CREDENTIALS', message: "Password isn't valid." }),
  })
  // a taken address does less work than a free one: both take the same time
  await withMinimumDuration(ENUMERATION_SAFE_FLOOR_MS, async () => {
    // an address that looks like an account's is that account's
    const taken = await findEmailHolder(context, newEmail)
    await inTransaction(context, async tx => {
      // the user's lock before the event's row, whose key on the user a redemption changing the
      // email would wait for while holding the lock mailOneTimeLink then waits for (kernel/userLock.ts)
      await lockUser(tx, user.id)
      await recordAccountEvent(tx, {
        type: 'EMAIL_CHANGED_REQUEST',
        userId: user.id,
        actorId: user.id,
        parameters: { new_email: newEmail },
      })
      if (taken) {
        await mailNotice(tx, taken, 'ACCOUNT_EXISTS', { shopName: channel?.name })
        return
      }
      // quiet when this mailbox was sent an email-change link within its quiet period, by this
      // customer or another: the same answer, no token (an earlier link stays live), no webhook
      await mailOneTimeLink(tx, {
        user,
        purpose: 'EMAIL_CHANGE',
        newEmail,
        redirectUrl,
        channel,
        requestedBy: 'self',
        actorId: user.id,
      })
    })
  })
}
