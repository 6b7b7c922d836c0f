// Removing a user, the same way on every path (self-service accountDelete, customerDelete,
// staffDelete and their bulk forms, Keystone's generated deleteUser): the rows that outlive it lose
// the person's data first (erasure.ts), its defaults, addresses, one-time tokens, sessions,
// recovery codes, sign-in challenges, passkeys and external accounts go with it, an ACCOUNT_DELETED
// event keeps its id and who removed it, for the staff, and the *_DELETED webhook (by isStaff),
// carrying the id alone, tells the listeners once the caller's transaction commits. The bulk form, which judges scope first, is services/staff/userRemoval.ts.
import type { Context } from '../../generated/keystone/types'
import { emitWebhookEvent, type WebhookEvent } from '../messaging'
import { recordAccountEvent } from './accountEvents'
import { userWebhookEvent } from './afterUserChange'
import { erasePersonalData } from './erasure'

// the most users one bulk deletion takes
export const MAX_BULK = 100

type RemovedUser = { id: string; email: string; isStaff: boolean }

/**
 * Everything that must go before the user row itself, the event that records it and the webhook
 * (`webhook` instead of STAFF_/CUSTOMER_DELETED: accountDelete announces ACCOUNT_DELETED).
 */
export async function beforeUserRemoval(
  tx: Context,
  user: RemovedUser,
  args: { actorId: string | null; webhook?: WebhookEvent },
): Promise<void> {
  await erasePersonalData(tx, user)
  await tx.prisma.user.update({
    where: { id: user.id },
    data: { defaultBillingAddressId: null, defaultShippingAddressId: null },
  })
  await tx.prisma.address.deleteMany({ where: { userId: user.id } })
  await tx.prisma.oneTimeToken.deleteMany({ where: { userId: user.id } })
  await tx.prisma.authSession.deleteMany({ where: { userId: user.id } })
  await tx.prisma.recoveryCode.deleteMany({ where: { userId: user.id } })
  await tx.prisma.authChallenge.deleteMany({ where: { userId: user.id } })
  await tx.prisma.passkeyCredential.deleteMany({ where: { userId: user.id } })
  await tx.prisma.externalAccount.deleteMany({ where: { userId: user.id } })
  // the event points at no user, so it survives the delete; the id alone, no trace of the person
  await recordAccountEvent(tx, {
    type: 'ACCOUNT_DELETED',
    userId: null,
    actorId: args.actorId,
    parameters: { user_id: user.id },
  })
  await emitWebhookEvent(tx, {
    event: args.webhook ?? userWebhookEvent('DELETED', user),
    payload: { user: { id: user.id } },
  })
}

/** Remove one user and everything that goes with it. */
export async function removeUser(
  tx: Context,
  user: RemovedUser,
  args: { actorId: string | null; webhook?: WebhookEvent },
): Promise<void> {
  await beforeUserRemoval(tx, user, args)
  await tx.prisma.user.delete({ where: { id: user.id } })
}
