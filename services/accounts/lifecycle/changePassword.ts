// passwordChange / updateActiveUserPassword: a new password for the signed-in user, who is told by mail.
import type { Context } from '../../../generated/keystone/types'
import { DomainError, inTransaction } from '../../kernel'
import { afterUserChange, mailNotice } from '../../users'
import { assertPasswordAcceptable, hashPassword, columnsThatEndSessions, proveOwnPassword } from '../../identity'

/**
 * Change the password of a signed-in user after checking the old one (throttled as a sign-in); every other token of
 * the user stops working, and the user is told by mail. `minLength` is a vocabulary's own minimum
 * (Openfront's), judged by the one password policy with the rest.
 */
export async function changePassword(
  context: Context,
  args: { userId: string; oldPassword: string; newPassword: string; minLength?: number; ip: string },
): Promise<void> {
  const user = await context.prisma.user.findUniqueOrThrow({ where: { id: args.userId } })
  await proveOwnPassword(context, { user, password: args.oldPassword, ip: args.ip, refusal: invalidOldPassword })
  assertPasswordAcceptable(args.newPassword, user, { field: 'newPassword', minLength: args.minLength })
  const passwordHash = await hashPassword(args.newPassword)
  await inTransaction(context, async tx => {
    // only over the hash the old password was checked against: a twin change that committed while
    // this one hashed would otherwise be undone by it, and each answer success
    const { count } = await tx.prisma.user.updateMany({
      where: { id: user.id, password: user.password },
      data: { password: passwordHash, ...columnsThatEndSessions() },
    })
    if (count === 0) throw invalidOldPassword()
    const changed = await tx.prisma.user.findUniqueOrThrow({ where: { id: user.id } })
    await afterUserChange(tx, { before: user, after: changed, actorId: user.id })
    await mailNotice(tx, user, 'PASSWORD_CHANGED')
  })
}

function invalidOldPassword(): DomainError {
  return new DomainError({ field: 'oldPassword', code: 'INVALID_PASSWORD', message: "Old password isn't valid." })
}
