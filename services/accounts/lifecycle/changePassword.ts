// passwordChange / updateActiveUserPassword: a new password for the signed-in user, who is told by mail.
import type { Context } from '../../../generated/keystone/types'
import { DomainError, inTransaction } from '../../kernel'
import { afterUserChange } from '../../users'
import { enqueueMail } from '../../messaging'
import { assertPasswordAcceptable, hashPassword, columnsThatEndSessions, verifyPassword } from '../../identity'

/**
 * Change the password of a signed-in user after checking the old one; every other token of
 * the user stops working, and the user is told by mail. `minLength` is a vocabulary's own minimum
 * (Openfront's), judged by the one password policy with the rest.
 */
export async function changePassword(
  context: Context,
  args: { userId: string; oldPassword: string; newPassword: string; minLength?: number },
): Promise<void> {
  const user = await context.prisma.user.findUniqueOrThrow({ where: { id: args.userId } })
  if (!user.password || !(await verifyPassword(args.oldPassword, user.password))) {
    throw new DomainError({ field: 'oldPassword', code: 'INVALID_PASSWORD', message: "Old password isn't valid." })
  }
  assertPasswordAcceptable(args.newPassword, user, { field: 'newPassword', minLength: args.minLength })
  const passwordHash = await hashPassword(args.newPassword)
  await inTransaction(context, async tx => {
    const changed = await tx.prisma.user.update({
      where: { id: user.id },
      data: { password: passwordHash, ...columnsThatEndSessions() },
    })
    await afterUserChange(tx, { before: user, after: changed, actorId: user.id })
    await enqueueMail(tx, {
      to: user.email,
      template: 'PASSWORD_CHANGED',
      params: { email: user.email, firstName: user.firstName },
      userId: user.id,
    })
  })
}
