// setPassword: the link of a reset mail or an invitation, redeemed with a new password.
import type { Context } from '../../../generated/keystone/types'
import { DomainError, inTransaction, normalizeEmail } from '../../kernel'
import { afterUserChange, redeemedProof } from '../../users'
import { endQuietPeriod } from '../../messaging'
import {
  assertPasswordAcceptable,
  assertPasswordLoginAllowed,
  clearAccountLockout,
  hashPassword,
  issueTokens,
  redeemOneTimeToken,
  requireSecondFactor,
  columnsThatEndSessions,
  type IssuedTokens,
  type SignInClient,
} from '../../identity'

/**
 * Set a new password with a reset token, end every other session of the user, lift every
 * sign-in lockout of the account, and sign it in (for a user with TOTP: MfaRequiredError, and
 * tokenCreateMfa finishes it).
 */
export async function setPasswordWithToken(
  context: Context,
  args: { email: string; token: string; password: string; client: SignInClient },
): Promise<IssuedTokens> {
  const user = await context.prisma.user.findUnique({ where: { email: normalizeEmail(args.email) } })
  const updated = await inTransaction(context, async tx => {
    const { userId, payload } = await redeemOneTimeToken(tx, {
      token: args.token,
      purpose: 'PASSWORD_RESET',
      userId: user?.id ?? '-',
    })
    // the policy only after the token: before it, its answer would tell a registered email, and its
    // similarity rule would confirm guesses at the owner's names; a refusal rolls the token back
    const owner = await tx.prisma.user.findUniqueOrThrow({ where: { id: userId } })
    assertPasswordAcceptable(args.password, owner)
    // API.md §5: the reset's quiet period lasts while its link is unused; using one ends it
    await endQuietPeriod(tx, { to: owner.email, template: 'PASSWORD_RESET' })
    const passwordHash = await hashPassword(args.password)
    // proving the mailbox (a reset link, or a staff invite) also confirms the account
    const changed = await tx.prisma.user.update({
      where: { id: userId },
      data: {
        password: passwordHash,
        isConfirmed: true,
        ...redeemedProof('PASSWORD_RESET', payload, owner.email),
        ...columnsThatEndSessions(),
      },
    })
    // no mail and no webhook here: the user has just acted on the mail it asked for (Saleor's lifecycle table)
    await afterUserChange(tx, {
      before: owner,
      after: changed,
      actorId: userId,
      events: [{ type: 'PASSWORD_RESET' }],
    })
    // the owner has proven the mailbox: every sign-in lockout of the account ends with the reset,
    // on every way in, and in the same transaction, so a reset that rolls back lifts nothing
    await clearAccountLockout(tx, owner.email)
    return changed
  })
  if (!updated.isActive) throw new DomainError({ field: 'email', code: 'INACTIVE', message: 'Account inactive.' })
  // the password is set either way; whether it may sign in here is PASSWORD_LOGIN_MODE's call
  assertPasswordLoginAllowed(updated)
  // the password is set; a user with TOTP signs in with its code, as after tokenCreate (API.md §9)
  await requireSecondFactor(context, updated, { kind: 'tokens', proven: updated, ...args.client })
  return issueTokens(context, updated, { amr: ['pwd'], ...args.client })
}
