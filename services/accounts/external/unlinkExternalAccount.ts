// externalAccountUnlink's operation: a provider unlinked, never the last way in.
import type { Context } from '../../../generated/keystone/types'
import { env } from '../../../env'
import { DomainError, inTransaction, lockUser } from '../../kernel'
import { recordAccountEvent } from '../../users'
import { endSessionsSignedInBy, passwordLoginAllowedFor } from '../../identity'

/**
 * externalAccountUnlink: remove the user's link to `provider`; NOT_FOUND for none. Refused with
 * LAST_SIGN_IN_METHOD while it is the user's last way in: no password its PASSWORD_LOGIN_MODE
 * allows, no passkey, no other provider. The user's sessions a provider signed in end with it, but
 * the caller's own (`keepSessionId`). Judged and written under the user's lock, so two unlinks
 * at once cannot each leave the other as the last way in and remove both.
 */
export async function unlinkExternalAccount(
  context: Context,
  args: { userId: string; provider: string; keepSessionId?: string },
): Promise<void> {
  await inTransaction(context, async tx => {
    await lockUser(tx, args.userId)
    const link = await tx.prisma.externalAccount.findFirst({ where: { userId: args.userId, provider: args.provider } })
    if (!link)
      throw new DomainError({
        field: 'provider',
        code: 'NOT_FOUND',
        message: 'No sign-in with this provider is linked.',
      })
    const user = await tx.prisma.user.findUniqueOrThrow({ where: { id: args.userId } })
    const passwordAllowed = Boolean(user.password) && passwordLoginAllowedFor(user)
    const passkeys = await tx.prisma.passkeyCredential.count({ where: { userId: user.id } })
    // another provider counts only while the shop still offers it (OIDC_PROVIDERS)
    const offered = env.oidcProviders.map(provider => provider.id)
    const otherLinks = await tx.prisma.externalAccount.count({
      where: { userId: user.id, NOT: { id: link.id }, provider: { in: offered } },
    })
    if (!passwordAllowed && passkeys === 0 && otherLinks === 0)
      throw new DomainError({
        field: 'provider',
        code: 'LAST_SIGN_IN_METHOD',
        message: 'This is your only way to sign in: set a password or add a passkey first.',
      })
    await tx.prisma.externalAccount.delete({ where: { id: link.id } })
    // the sessions a provider signed in end with it (all of them: no session records its provider),
    // but the caller's own, which is doing the unlink
    await endSessionsSignedInBy(tx, { userId: user.id, method: 'ext', keepSessionId: args.keepSessionId })
    await recordAccountEvent(tx, {
      type: 'EXTERNAL_ACCOUNT_UNLINKED',
      userId: user.id,
      actorId: user.id,
      parameters: { provider: link.provider },
    })
  })
}
