// Removing a user, the same way on every path (self-service accountDelete, customerDelete,
// staffDelete, Keystone's generated deleteUser): its defaults, addresses and one-time tokens go
// with it, and an ACCOUNT_DELETED event keeps who it was and who removed it, for the staff.
import type { Context } from '../../generated/keystone/types'
import { recordAccountEvent } from './accountEvents'

// the most users one bulk deletion takes
export const MAX_BULK = 100

/** Everything that must go before the user row itself, and the event that records it. */
export async function detachUserData (tx: Context, user: { id: string, email: string }, actorId: string | null): Promise<void> {
  await tx.prisma.user.update({ where: { id: user.id }, data: { defaultBillingAddressId: null, defaultShippingAddressId: null } })
  await tx.prisma.address.deleteMany({ where: { userId: user.id } })
  await tx.prisma.oneTimeToken.deleteMany({ where: { userId: user.id } })
  await recordAccountEvent(tx, { type: 'ACCOUNT_DELETED', userId: null, actorId, parameters: { user_id: user.id, email: user.email } })
}

export async function removeUser (tx: Context, user: { id: string, email: string }, actorId: string | null): Promise<void> {
  // the event first: it points at no user, so it survives the delete
  await detachUserData(tx, user, actorId)
  await tx.prisma.user.delete({ where: { id: user.id } })
}
