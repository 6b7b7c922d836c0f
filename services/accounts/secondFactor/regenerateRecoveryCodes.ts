// accountRecoveryCodesRegenerate's operation.
import type { Context } from '../../../generated/keystone/types'
import { recordAccountEvent } from '../../users'
import { hasTotpEnabled, replaceRecoveryCodes } from '../../identity'
import { notEnabled, userWithPassword, withSecondFactor } from './checks'

/** accountRecoveryCodesRegenerate: the password and a code replace every recovery code; a RECOVERY_CODES_REGENERATED event. */
export async function regenerateRecoveryCodes(
  context: Context,
  args: { userId: string; password: string; code: string; ip: string },
): Promise<{ recoveryCodes: string[] }> {
  const user = await userWithPassword(context, args)
  if (!hasTotpEnabled(user)) throw notEnabled()
  return withSecondFactor(context, user, args, async tx => {
    const recoveryCodes = await replaceRecoveryCodes(tx, user.id)
    await recordAccountEvent(tx, { type: 'RECOVERY_CODES_REGENERATED', userId: user.id, actorId: user.id })
    return { recoveryCodes }
  })
}
