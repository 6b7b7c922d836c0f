// A customer who lost its phone: staff reset its second factor (API.md §9, issue 20). Owns who may
// reset whose (MANAGE_USERS for a customer, judged by the staff scope rules' one entry point like
// any change of that user; a staff user's only by a superuser; never one's own, which the holder
// disables with its password and a code; anything out of reach is NOT_FOUND, as a user that does
// not exist), what a reset takes away (the TOTP secret, a setup pending, the recovery codes, every
// passkey, the sign-in challenges waiting for a code) and what follows it in the same transaction
// (every session ended by the one key rotation credential changes make, SECOND_FACTOR_RESET
// recorded with the staff member as actor, and the SECOND_FACTOR_RESET mail to the user).
import type { Context } from '../../generated/keystone/types'
import { columnsThatEndSessions, isActiveStaffSession, isSuperuserSession, sessionHolds } from '../identity'
import type { Session } from '../identity'
import { DomainError, inTransaction, lockUser } from '../kernel'
import { judgeUserReach } from '../staff'
import { mailNotice, recordAccountEvent } from '../users'

const notFound = () => new DomainError({ field: 'id', code: 'NOT_FOUND', message: 'User not found.' })

/** What second factor a user has enabled: a confirmed TOTP secret and how many passkeys. */
export type SecondFactors = { totp: boolean; passkeys: number }

/** The second factors of a user, as a reset or a staff member's page sees them. */
export async function secondFactorsOf(context: Context, userId: string): Promise<SecondFactors> {
  const [user, passkeys] = await Promise.all([
    context.prisma.user.findUnique({ where: { id: userId }, select: { totpEnabledAt: true } }),
    context.prisma.passkeyCredential.count({ where: { userId } }),
  ])
  return { totp: Boolean(user?.totpEnabledAt), passkeys }
}

/**
 * Reset the second factor of `userId` for `actor`: TOTP off, recovery codes and passkeys gone,
 * every session ended; an event and a mail. A user with neither TOTP nor a passkey is INVALID and
 * nothing changes.
 */
export async function resetSecondFactorAsStaff(context: Context, actor: Session, userId: string): Promise<void> {
  await inTransaction(context.sudo(), async tx => {
    await lockUser(tx, userId)
    const user = await tx.prisma.user.findUnique({ where: { id: userId } })
    if (!user || !(await reachesSecondFactorOf(tx, actor, user))) throw notFound()
    const factors = await secondFactorsOf(tx, userId)
    if (!factors.totp && factors.passkeys === 0)
      throw new DomainError({ field: 'id', code: 'INVALID', message: 'This user has no second factor to reset.' })

    await tx.prisma.user.update({
      where: { id: userId },
      data: { totpSecret: null, totpPendingSecret: null, totpEnabledAt: null, ...columnsThatEndSessions() },
    })
    const recoveryCodes = await tx.prisma.recoveryCode.deleteMany({ where: { userId } })
    await tx.prisma.passkeyCredential.deleteMany({ where: { userId } })
    await tx.prisma.authChallenge.deleteMany({ where: { userId } })
    await recordAccountEvent(tx, {
      type: 'SECOND_FACTOR_RESET',
      userId,
      actorId: actor.itemId,
      parameters: { totp: factors.totp, passkeys: factors.passkeys, recovery_codes: recoveryCodes.count },
    })
    await mailNotice(tx, user, 'SECOND_FACTOR_RESET')
  })
}

/**
 * Whether `actor` may reset the second factor of `target`: another user it manages (MANAGE_USERS
 * for a customer, through the staff scope rules), a staff user only as a superuser.
 */
export async function reachesSecondFactorOf(
  context: Context,
  actor: Session | undefined,
  target: { id: string; isStaff: boolean },
): Promise<boolean> {
  if (!actor || !isActiveStaffSession(actor) || actor.itemId === target.id) return false
  if (target.isStaff ? !isSuperuserSession(actor) : !sessionHolds(actor, 'MANAGE_USERS')) return false
  return (await judgeUserReach(context, actor, target)).length === 0
}
