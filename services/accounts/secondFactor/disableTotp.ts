// accountTotpDisable's operation.
import type { Context } from '../../../generated/keystone/types'
import { mailNotice, recordAccountEvent } from '../../users'
import { deleteRecoveryCodes, hasTotpEnabled } from '../../identity'
import { notEnabled, userWithPassword, withSecondFactor } from './checks'

/** accountTotpDisable: the password and a code turn TOTP off; the recovery codes go; a TOTP_DISABLED event and mail. */
export async function disableTotp(
  context: Context,
  args: { userId: string; password: string; code: string; ip: string },
): Promise<void> {
  const user = await userWithPassword(context, args)
  if (!hasTotpEnabled(user)) throw notEnabled()
  await withSecondFactor(context, user, args, async tx => {
    const { count } = await tx.prisma.user.updateMany({
      where: { id: user.id, totpSecret: user.totpSecret },
      data: { totpSecret: null, totpPendingSecret: null, totpEnabledAt: null },
    })
    if (count === 0) throw notEnabled()
    await deleteRecoveryCodes(tx, user.id)
    await recordAccountEvent(tx, { type: 'TOTP_DISABLED', userId: user.id, actorId: user.id })
    await mailNotice(tx, user, 'TOTP_DISABLED')
  })
}
