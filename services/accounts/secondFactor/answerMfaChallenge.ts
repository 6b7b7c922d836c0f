// The second step of every password sign-in: the challenge tokenCreate, setPassword or the Admin
// UI's password step gave, and a code.
import type { Context } from '../../../generated/keystone/types'
import { mailNotice, recordAccountEvent } from '../../users'
import { redeemMfaChallenge, type MfaAnswer } from '../../identity'

/**
 * The second step of a password sign-in, for every way in (`kind`: 'tokens' for tokenCreateMfa,
 * 'adminCookie' for the Admin UI): the challenge and a code, judged by identity's
 * redeemMfaChallenge; a recovery code records RECOVERY_CODE_USED and mails the user, in the
 * transaction that spends it. The caller binds the session to `proven` (bindSignIn) and starts it
 * with `amr`.
 */
export async function answerMfaChallenge(
  context: Context,
  args: Parameters<typeof redeemMfaChallenge>[1],
): Promise<MfaAnswer> {
  return redeemMfaChallenge(context, args, async (tx, { user, used }) => {
    if (used !== 'recovery') return
    const left = await tx.prisma.recoveryCode.count({ where: { userId: user.id, usedAt: null } })
    await recordAccountEvent(tx, {
      type: 'RECOVERY_CODE_USED',
      userId: user.id,
      actorId: user.id,
      parameters: { recovery_codes_left: left },
    })
    await mailNotice(tx, user, 'RECOVERY_CODE_USED')
  })
}
