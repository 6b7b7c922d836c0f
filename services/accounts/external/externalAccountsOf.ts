// `me { externalAccounts }`: the identities linked to a user.
import type { Context } from '../../../generated/keystone/types'

/** A user's linked identities, as `me { externalAccounts }` shows them: the oldest first. */
export async function externalAccountsOf(
  context: Context,
  userId: string,
): Promise<{ provider: string; subject: string; createdAt: Date }[]> {
  return context.prisma.externalAccount.findMany({
    where: { userId },
    select: { provider: true, subject: true, createdAt: true },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
  })
}
