// accountTotpSetup's operation.
import type { Context } from '../../../generated/keystone/types'
import { assertMayAddSecondFactor, hasTotpEnabled, newTotpEnrolment, type AuthMethod } from '../../identity'
import { alreadyEnabled, userWithPassword } from './checks'

/**
 * accountTotpSetup: a new secret, pending until confirmed (a second setup replaces the first);
 * nothing is enabled yet. Answers the secret, its otpauth:// URI and QR code, once.
 */
export async function setupTotp(
  context: Context,
  args: { userId: string; password: string; ip: string; amr: readonly AuthMethod[] },
): Promise<{ secret: string; otpauthUri: string; qrCode: string }> {
  const user = await userWithPassword(context, args)
  if (hasTotpEnabled(user)) throw alreadyEnabled()
  await assertMayAddSecondFactor(context, user.id, args.amr)
  const enrolment = await newTotpEnrolment(user.email)
  const { count } = await context.prisma.user.updateMany({
    where: { id: user.id, totpEnabledAt: null },
    data: { totpPendingSecret: enrolment.sealed },
  })
  if (count === 0) throw alreadyEnabled()
  return { secret: enrolment.secret, otpauthUri: enrolment.otpauthUri, qrCode: enrolment.qrCode }
}
