// accountTotpConfirm's operation.
import type { Context } from '../../../generated/keystone/types'
import { DomainError, inTransaction } from '../../kernel'
import { mailNotice, recordAccountEvent } from '../../users'
import {
  assertMayAddSecondFactor,
  hasTotpEnabled,
  invalidMfaCode,
  openTotpSecret,
  presentedCode,
  replaceRecoveryCodes,
  verifyTotpCode,
  type AuthMethod,
} from '../../identity'
import { alreadyEnabled } from './checks'

/**
 * accountTotpConfirm: the first code of the pending secret turns TOTP on; its step counts as used
 * (the same code cannot then sign in); ten recovery codes, answered once; a TOTP_ENABLED event and
 * mail.
 */
export async function confirmTotp(
  context: Context,
  args: { userId: string; code: string; amr: readonly AuthMethod[] },
): Promise<{ recoveryCodes: string[] }> {
  const user = await context.prisma.user.findUniqueOrThrow({ where: { id: args.userId } })
  if (hasTotpEnabled(user)) throw alreadyEnabled()
  await assertMayAddSecondFactor(context, user.id, args.amr)
  if (!user.totpPendingSecret)
    throw new DomainError({
      field: 'code',
      code: 'INVALID',
      message: 'There is no setup to confirm: start with accountTotpSetup.',
    })
  const presented = presentedCode(args.code)
  if (presented.kind !== 'totp') throw invalidMfaCode()
  const step = verifyTotpCode(openTotpSecret(user.totpPendingSecret), presented.code)
  if (step === null) throw invalidMfaCode()
  return inTransaction(context, async tx => {
    // only the pending secret the code was checked against, and a step not used before
    const { count } = await tx.prisma.user.updateMany({
      where: {
        id: user.id,
        totpEnabledAt: null,
        totpPendingSecret: user.totpPendingSecret,
        totpLastStep: { lt: step },
      },
      data: {
        totpSecret: user.totpPendingSecret,
        totpPendingSecret: null,
        totpEnabledAt: new Date(),
        totpLastStep: step,
      },
    })
    if (count === 0) throw invalidMfaCode()
    const recoveryCodes = await replaceRecoveryCodes(tx, user.id)
    await recordAccountEvent(tx, { type: 'TOTP_ENABLED', userId: user.id, actorId: user.id })
    await mailNotice(tx, user, 'TOTP_ENABLED')
    return { recoveryCodes }
  })
}
