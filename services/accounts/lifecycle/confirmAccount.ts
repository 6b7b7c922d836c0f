// confirmAccount: the link of the confirmation mail, redeemed.
import type { Context } from '../../../generated/keystone/types'
import { inTransaction, normalizeEmail } from '../../kernel'
import { afterUserChange, redeemedProof } from '../../users'
import { redeemOneTimeToken } from '../../identity'

/** Confirm an account with the token from its confirmation mail. */
export async function confirmAccount(
  context: Context,
  args: { email: string; token: string },
): Promise<{ userId: string }> {
  const user = await context.prisma.user.findUnique({ where: { email: normalizeEmail(args.email) } })
  return inTransaction(context, async tx => {
    // a missing user gets the same INVALID as a wrong token
    const { userId, payload } = await redeemOneTimeToken(tx, {
      token: args.token,
      purpose: 'ACCOUNT_CONFIRMATION',
      userId: user?.id ?? '-',
    })
    const before = await tx.prisma.user.findUniqueOrThrow({ where: { id: userId } })
    // confirms only: an account staff deactivated stays deactivated. The link was mailed to this
    // address, so redeeming it proves the mailbox
    const confirmed = await tx.prisma.user.update({
      where: { id: userId },
      data: { isConfirmed: true, ...redeemedProof('ACCOUNT_CONFIRMATION', payload, before.email) },
    })
    const events = [{ type: 'ACCOUNT_ACTIVATED' as const }]
    await afterUserChange(tx, {
      before,
      after: confirmed,
      actorId: userId,
      events,
      webhook: { event: 'ACCOUNT_CONFIRMED' },
    })
    return { userId }
  })
}
