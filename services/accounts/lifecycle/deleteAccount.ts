// accountDelete: the link of the deletion mail, redeemed; the customer and what is its go.
import type { Context } from '../../../generated/keystone/types'
import { inTransaction } from '../../kernel'
import { removeUser } from '../../users'
import { redeemOneTimeToken } from '../../identity'
import { assertNotStaff } from './requestAccountDeletion'

/** Delete the signed-in customer's account with the token from the deletion mail. */
export async function deleteAccount(context: Context, args: { userId: string; token: string }): Promise<void> {
  const user = await context.prisma.user.findUniqueOrThrow({ where: { id: args.userId } })
  assertNotStaff(user)
  await inTransaction(context, async tx => {
    await redeemOneTimeToken(tx, { token: args.token, purpose: 'ACCOUNT_DELETION', userId: user.id })
    // no acting user: it is the one being removed; its listeners hear ACCOUNT_DELETED, not CUSTOMER_DELETED
    await removeUser(tx, user, { actorId: null, webhook: 'ACCOUNT_DELETED' })
  })
}
