// accountRequestDeletion: a deletion link for a customer; staff are removed by other staff.
import type { Context } from '../../../generated/keystone/types'
import { DomainError, inTransaction } from '../../kernel'
import { mailOneTimeLink } from '../../users'
import { assertAllowedRedirectUrl } from '../../messaging'
import { resolveChannel } from '../../messaging'

/** Mail a deletion link to a customer; staff accounts are removed by other staff, not by themselves. */
export async function requestAccountDeletion(
  context: Context,
  args: { userId: string; redirectUrl: string; channel?: string | null },
): Promise<void> {
  const redirectUrl = assertAllowedRedirectUrl(args.redirectUrl)
  const channel = await resolveChannel(context, args.channel)
  const user = await context.prisma.user.findUniqueOrThrow({ where: { id: args.userId } })
  assertNotStaff(user)
  await inTransaction(context, tx =>
    mailOneTimeLink(tx, {
      user,
      purpose: 'ACCOUNT_DELETION',
      redirectUrl,
      channel,
      requestedBy: 'self',
      actorId: user.id,
    }),
  )
}

/** Refuse a self-service deletion of a staff account, asked for or confirmed. */
export function assertNotStaff(user: { isStaff: boolean }): void {
  if (user.isStaff)
    throw new DomainError({
      field: null,
      code: 'DELETE_STAFF_ACCOUNT',
      message: 'Staff accounts are deleted by other staff.',
    })
}
