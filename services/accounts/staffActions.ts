// The account actions staff take from a user's page in the Admin UI (lists/User.ts actions): send a
// password reset, resend the confirmation, sign out everywhere, activate or deactivate. Each one is
// judged by the staff scope rules first (a MANAGE_USERS holder acts on customers only, nobody on
// themselves or a superuser's status) and then runs the service its mutation runs.
import type { Context } from '../../generated/keystone/types'
import { env } from '../../env'
import type { Session } from '../identity'
import { issueOneTimeToken, revokeCredentialsAndLinks } from '../identity'
import { DomainError, inTransaction } from '../kernel'
import { assertStaffChange, updateStaff } from '../staff'
import { recordAccountEvent } from '../users'
import { enqueueMail, kickOutbox } from '../messaging'
import { requestPasswordReset } from './lifecycle'
import { updateCustomer } from './customers'

/**
 * Where the links of staff-sent mails lead: the reset and confirmation pages of the first client
 * host allowed to receive them (ALLOWED_CLIENT_HOSTS), as the Admin UI has no storefront URL.
 */
function clientUrl(path: string): string {
  const host = env.allowedClientHosts[0] ?? 'localhost'
  const scheme = host === 'localhost' || host === '127.0.0.1' ? 'http' : 'https'
  return `${scheme}://${host}${path}`
}

// the user, once the staff scope rules admit this change of it, judged in the transaction given
async function judgedUser(tx: Context, actor: Session, userId: string, isActive?: boolean) {
  const user = await tx.prisma.user.findUnique({ where: { id: userId } })
  if (!user) throw new DomainError({ field: 'id', code: 'NOT_FOUND', message: 'User not found.' })
  await assertStaffChange(tx, actor, {
    users: [{ kind: 'update', userId, ...(isActive === undefined ? {} : { isActive }) }],
  })
  return user
}

/** Mail the user a password-reset link, through requestPasswordReset's service. */
export async function sendPasswordResetAsStaff(context: Context, actor: Session, userId: string): Promise<void> {
  // the reset mails the user's own address, through the same service (its quiet period included)
  const user = await inTransaction(context, tx => judgedUser(tx, actor, userId))
  await requestPasswordReset(context, { email: user.email, redirectUrl: clientUrl('/reset-password') })
}

/** Mail an unconfirmed customer a new confirmation link, as accountRegister mails the first. */
export async function resendConfirmationAsStaff(context: Context, actor: Session, userId: string): Promise<void> {
  const redirectUrl = clientUrl('/confirm-account')
  await inTransaction(context, async tx => {
    const user = await judgedUser(tx, actor, userId)
    if (user.isConfirmed)
      throw new DomainError({ field: 'id', code: 'INVALID', message: 'The account is confirmed already.' })
    const token = await issueOneTimeToken(tx, { userId, purpose: 'ACCOUNT_CONFIRMATION' })
    await enqueueMail(tx, {
      to: user.email,
      template: 'ACCOUNT_CONFIRMATION',
      params: { email: user.email, firstName: user.firstName, redirectUrl },
      secrets: { token },
      userId,
    })
    await recordAccountEvent(tx, { type: 'ACCOUNT_CONFIRMATION_RESENT', userId, actorId: actor.itemId })
  })
  kickOutbox()
}

/** End every token, session and pending link of the user, as tokensDeactivateAll does for oneself. */
export async function signOutEverywhereAsStaff(context: Context, actor: Session, userId: string): Promise<void> {
  await inTransaction(context, async tx => {
    await judgedUser(tx, actor, userId)
    await revokeCredentialsAndLinks(tx, userId)
    await recordAccountEvent(tx, { type: 'SIGNED_OUT_EVERYWHERE', userId, actorId: actor.itemId })
  })
}

/** Activate or deactivate, through customerUpdate's or staffUpdate's service. */
export async function setActiveAsStaff(
  context: Context,
  actor: Session,
  userId: string,
  isActive: boolean,
): Promise<void> {
  // updateStaff and updateCustomer judge the change themselves, inside their own write
  const user = await context.prisma.user.findUnique({ where: { id: userId } })
  if (!user) throw new DomainError({ field: 'id', code: 'NOT_FOUND', message: 'User not found.' })
  if (user.isStaff) await updateStaff(context, actor, userId, { isActive })
  else await updateCustomer(context, actor, userId, { isActive })
}
