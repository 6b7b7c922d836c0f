// confirmEmailChange: the link mailed to the new address, redeemed; the old address is told.
import type { Context } from '../../../generated/keystone/types'
import { DomainError, inTransaction, isValidEmail } from '../../kernel'
import {
  NO_PROOF,
  afterUserChange,
  emailColumns,
  findEmailHolder,
  isTakenEmailViolation,
  redeemedProof,
  mailNotice,
} from '../../users'
import { redeemOneTimeToken, columnsThatEndSessions } from '../../identity'

/** Finish an email change with the token mailed to the new address; tell the old address. */
export async function confirmEmailChange(context: Context, args: { userId: string; token: string }): Promise<void> {
  await inTransaction(context, async tx => {
    const { payload } = await redeemOneTimeToken(tx, {
      token: args.token,
      purpose: 'EMAIL_CHANGE',
      userId: args.userId,
    })
    if (!payload.newEmail)
      throw new DomainError({ field: 'token', code: 'INVALID', message: 'The token is invalid or has expired.' })
    // normalised again: a link issued before the rules changed carries the form of its day
    const columns = emailColumns(payload.newEmail)
    const newEmail = columns.email
    if (!isValidEmail(newEmail))
      throw new DomainError({ field: 'newEmail', code: 'INVALID', message: 'Enter a valid email address.' })
    const taken = () =>
      new DomainError({ field: 'newEmail', code: 'UNIQUE', message: 'User with this email already exists.' })
    if (await findEmailHolder(tx, newEmail, { exceptUserId: args.userId })) throw taken()
    const before = await tx.prisma.user.findUniqueOrThrow({ where: { id: args.userId } })
    // the link went to the new address: redeeming it proves that mailbox, written with the email itself
    const changed = await tx.prisma.user
      .update({
        where: { id: args.userId },
        data: {
          ...columns,
          ...NO_PROOF,
          ...redeemedProof('EMAIL_CHANGE', payload, newEmail),
          ...columnsThatEndSessions(),
        },
      })
      .catch((error: unknown) => {
        // a registration of the address, or of one like it, committed in between
        throw isTakenEmailViolation(error) ? taken() : error
      })
    await mailNotice(tx, before, 'EMAIL_CHANGED', { oldEmail: before.email, newEmail })
    await afterUserChange(tx, {
      before,
      after: changed,
      actorId: args.userId,
      events: [{ type: 'EMAIL_CHANGED', parameters: { old_email: before.email, new_email: newEmail } }],
      // by the role the user has: ACCOUNT_* events carry customers only
      webhook: {
        event: changed.isStaff ? 'STAFF_UPDATED' : 'ACCOUNT_EMAIL_CHANGED',
        extra: { oldEmail: before.email },
      },
    })
  })
}
