// The account actions staff take from a user's page in the Admin UI (lists/User.ts actions): send a
// password reset, resend the confirmation, sign out everywhere, activate or deactivate. Each one is
// judged by the staff scope rules first (a MANAGE_USERS holder acts on customers only, nobody on
// themselves or a superuser's status) and then runs the service its mutation runs.
import type { Context } from '../../generated/keystone/types'
import { env } from '../../env'
import type { Session } from '../identity'
import { endSessionsAndLinks } from '../identity'
import { DomainError, inTransaction, tryLockUser } from '../kernel'
import { assertStaffChange, updateStaff } from '../staff'
import { mailOneTimeLink, recordAccountEvent } from '../users'
import { sendPasswordResetLink } from './lifecycle/requestPasswordReset'
import { resolveChannel } from '../messaging'
import { updateCustomer } from './customers'

/**
 * Where a link sent from the Admin UI leads: a customer's to the storefront's page when
 * STOREFRONT_URL is set; otherwise, and a staff member's always, to the Admin UI's own public page
 * (admin/pages/reset-password.tsx, confirm-account.tsx), which needs no storefront at all.
 */
function linkPage(user: { isStaff: boolean }, page: 'reset-password' | 'confirm-account'): string {
  const base = !user.isStaff && env.storefrontUrl ? env.storefrontUrl : env.publicUrl
  return new URL(page, `${base}/`).toString()
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

/**
 * Mail the user a password-reset link through requestPasswordReset's service, recorded as sent
 * by `actor`; it replaces any unused link. Refused, with nothing sent, within a minute of the last
 * link staff sent, so a double click or two agents at once send one mail.
 */
export async function sendPasswordResetAsStaff(context: Context, actor: Session, userId: string): Promise<void> {
  await inTransaction(context, async tx => {
    const user = await judgedUser(tx, actor, userId)
    const redirectUrl = linkPage(user, 'reset-password')
    // the mail names the default channel, as a storefront's request without a channel does
    const channel = await resolveChannel(tx, null)
    const outcome = await sendPasswordResetLink(tx, userId, {
      redirectUrl,
      channel,
      actorId: actor.itemId,
      sentBy: 'staff',
    })
    if (outcome === 'inactive')
      throw new DomainError({ field: 'id', code: 'INACTIVE', message: 'The account is deactivated.' })
    if (outcome === 'quiet')
      throw new DomainError({
        field: 'id',
        code: 'TOO_MANY_REQUESTS',
        message: 'A password reset link was sent to this user less than a minute ago.',
      })
  })
}

/**
 * Mail an unconfirmed customer a new confirmation link, as accountRegister mails the first; not
 * again within a minute of the last one staff sent to that address (the outbox's quiet period), so
 * a second click or a concurrent twin sends nothing. Staff prove their email by setting a password
 * instead (a reset, or their invitation).
 */
export async function resendConfirmationAsStaff(context: Context, actor: Session, userId: string): Promise<void> {
  await inTransaction(context, async tx => {
    await judgedUser(tx, actor, userId)
    const free = await tryLockUser(tx, userId)
    const user = await tx.prisma.user.findUniqueOrThrow({ where: { id: userId } })
    if (user.isStaff)
      throw new DomainError({
        field: 'id',
        code: 'INVALID',
        message: 'Staff confirm their email by setting a password: send a password reset instead.',
      })
    if (user.isConfirmed)
      throw new DomainError({ field: 'id', code: 'INVALID', message: 'The account is confirmed already.' })
    const refused = new DomainError({
      field: 'id',
      code: 'TOO_MANY_REQUESTS',
      message: 'A confirmation link was sent less than a minute ago.',
    })
    if (!free) throw refused
    // the mail names the default channel, as a storefront's registration without a channel does
    const queued = await mailOneTimeLink(tx, {
      user,
      purpose: 'ACCOUNT_CONFIRMATION',
      redirectUrl: linkPage(user, 'confirm-account'),
      channel: await resolveChannel(tx, null),
      requestedBy: 'staff',
      actorId: actor.itemId,
    })
    if (!queued) throw refused
  })
}

/** End every token, session and pending link of the user, as tokensDeactivateAll does for oneself. */
export async function signOutEverywhereAsStaff(context: Context, actor: Session, userId: string): Promise<void> {
  await inTransaction(context, async tx => {
    await judgedUser(tx, actor, userId)
    await endSessionsAndLinks(tx, userId)
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
