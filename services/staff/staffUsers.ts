// Staff management by staff with MANAGE_STAFF (Saleor's staffCreate/Update/Delete), every change
// judged by services/staff/scope.ts inside the transaction that writes it. staffCreate on a customer's email promotes that same
// user in place: same id, addresses, metadata and history.
import type { Context } from '../../generated/keystone/types'
import type { Session } from '../identity'
import { DomainError, isUniqueViolation } from '../kernel'
import { isValidEmail, normalizeEmail } from '../kernel'
import { recordAccountEvent } from '../users'
import { enqueueMail, kickOutbox } from '../messaging'
import { issueOneTimeToken } from '../identity'
import { assertAllowedRedirectUrl } from '../messaging'
import { signOutEverywhere } from '../identity'
import { emitWebhookEvent, kickWebhooks, userWebhookPayload } from '../messaging'
import { inTransaction, trusted } from '../kernel'
import { MAX_BULK, removeUser } from '../users'
import { assertStaffChange } from './scope'

export type StaffInput = {
  email?: string | null
  firstName?: string | null
  lastName?: string | null
  isActive?: boolean | null
  note?: string | null
  addGroups?: string[] | null
  removeGroups?: string[] | null
  redirectUrl?: string | null
}

/** Create a staff user, or promote the customer who has this email; may mail a set-password link. */
export async function createStaff (context: Context, actor: Session, input: StaffInput): Promise<string> {
  const email = normalizeEmail(input.email ?? '')
  if (!isValidEmail(email)) throw new DomainError({ field: 'email', code: email ? 'INVALID' : 'REQUIRED', message: 'Enter a valid email address.' })
  const redirectUrl = input.redirectUrl ? assertAllowedRedirectUrl(input.redirectUrl) : null
  const groups = [...new Set(input.addGroups ?? [])]

  const userId = await inTransaction(context, async tx => {
    const existing = await tx.prisma.user.findUnique({ where: { email } })
    if (existing?.isStaff) {
      throw new DomainError({ field: 'email', code: 'UNIQUE', message: 'A staff user with this email already exists.' })
    }
    await assertStaffChange(tx, actor, { users: [existing
      ? { kind: 'update', userId: existing.id, isStaff: true, addGroups: groups }
      : { kind: 'create', isStaff: true, addGroups: groups }] })
    const data = { ...names(input), ...(input.isActive !== undefined && input.isActive !== null ? { isActive: input.isActive } : {}), ...note(input) }
    const writer = trusted(tx, actor).db.User
    const user = existing
      ? await writer.updateOne({ where: { id: existing.id }, data: { ...data, isStaff: true } })
      : await writer.createOne({ data: { ...data, email, isStaff: true, isConfirmed: true } }).catch(asTakenEmailError)
    if (!user) throw new Error('staff user vanished while being created')
    // the promotion itself (credentials ended, an unproved password dropped) is the User list's
    // rule on every path (services/users/promotion.ts); links already mailed to the customer die too
    if (existing) await signOutEverywhere(tx, existing.id)
    if (groups.length) await tx.prisma.user.update({ where: { id: user.id }, data: { permissionGroups: { connect: groups.map(id => ({ id })) } } })
    await recordAccountEvent(tx, { type: existing ? 'STAFF_PROMOTED' : 'ACCOUNT_CREATED_FROM_STAFF', userId: user.id, actorId: actor.itemId, parameters: { groups } })
    const created = await tx.prisma.user.findUniqueOrThrow({ where: { id: user.id } })
    await emitWebhookEvent(tx, { event: 'STAFF_CREATED', payload: { user: userWebhookPayload(created) } })
    if (redirectUrl) {
      // a staff invite: the staff event and the staff mail, never the customer ones, promotion included
      const token = await issueOneTimeToken(tx, { userId: user.id, purpose: 'PASSWORD_RESET' })
      await enqueueMail(tx, { to: email, template: 'STAFF_SET_PASSWORD', params: { email, firstName: created.firstName, redirectUrl }, secrets: { token }, userId: user.id })
      await recordAccountEvent(tx, { type: 'PASSWORD_RESET_LINK_SENT', userId: user.id, actorId: actor.itemId })
      await emitWebhookEvent(tx, { event: 'STAFF_SET_PASSWORD_REQUESTED', payload: { user: userWebhookPayload(created), redirectUrl } })
    }
    return String(user.id)
  })
  kickOutbox()
  kickWebhooks()
  return userId
}

/** Update a staff user: names, email, activity, note and group membership, within scope. */
export async function updateStaff (context: Context, actor: Session, id: string, input: StaffInput): Promise<void> {
  const addGroups = input.addGroups ?? []
  const removeGroups = input.removeGroups ?? []
  await inTransaction(context, async tx => {
    const before = await findStaff(tx, id)
    const activity = input.isActive !== undefined && input.isActive !== null ? { isActive: input.isActive } : {}
    await assertStaffChange(tx, actor, { users: [{ kind: 'update', userId: id, addGroups, removeGroups, ...activity }] })
    const data: Record<string, unknown> = { ...names(input), ...note(input), ...activity }
    if (input.email) {
      const email = normalizeEmail(input.email)
      if (!isValidEmail(email)) throw new DomainError({ field: 'email', code: 'INVALID', message: 'Enter a valid email address.' })
      if (email !== before.email) {
        if (await tx.prisma.user.findUnique({ where: { email } })) {
          throw new DomainError({ field: 'email', code: 'UNIQUE', message: 'User with this email already exists.' })
        }
        data.email = email
      }
    }
    await trusted(tx, actor).db.User.updateOne({ where: { id }, data }).catch(asTakenEmailError)
    if (addGroups.length || removeGroups.length) {
      await tx.prisma.user.update({ where: { id }, data: { permissionGroups: { connect: addGroups.map(g => ({ id: g })), disconnect: removeGroups.map(g => ({ id: g })) } } })
    }
    if (data.email !== undefined || data.isActive === false) await signOutEverywhere(tx, id)
    if (data.isActive !== undefined && data.isActive !== before.isActive) await recordAccountEvent(tx, { type: data.isActive ? 'ACCOUNT_ACTIVATED' : 'ACCOUNT_DEACTIVATED', userId: id, actorId: actor.itemId })
    if (data.email) await recordAccountEvent(tx, { type: 'EMAIL_ASSIGNED', userId: id, actorId: actor.itemId, parameters: { old_email: before.email, new_email: data.email } })
    await recordAccountEvent(tx, { type: 'STAFF_UPDATED', userId: id, actorId: actor.itemId, parameters: { addGroups, removeGroups } })
    const after = await tx.prisma.user.findUniqueOrThrow({ where: { id } })
    await emitWebhookEvent(tx, { event: 'STAFF_UPDATED', payload: { user: userWebhookPayload(after) } })
  })
  kickWebhooks()
}

/** Delete staff users (one, or up to MAX_BULK), within scope; never oneself or a superuser. */
export async function deleteStaff (context: Context, actor: Session, ids: string[]): Promise<number> {
  if (ids.length > MAX_BULK) throw new DomainError({ field: 'ids', code: 'INVALID', message: `At most ${MAX_BULK} ids at once.` })
  const users: Awaited<ReturnType<typeof findStaff>>[] = []
  for (const id of new Set(ids)) users.push(await findStaff(context, id, ids.length > 1 ? 'ids' : 'id', 'DELETE_NON_STAFF_USER'))
  await inTransaction(context, async tx => {
    await assertStaffChange(tx, actor, { users: users.map(u => ({ kind: 'delete', userId: u.id })) })
    for (const user of users) {
      await removeUser(tx, user, actor.itemId)
      await emitWebhookEvent(tx, { event: 'STAFF_DELETED', payload: { user: userWebhookPayload(user) } })
    }
  })
  kickWebhooks()
  return users.length
}

async function findStaff (context: Context, id: string, field = 'id', notStaff: 'NOT_FOUND' | 'DELETE_NON_STAFF_USER' = 'NOT_FOUND') {
  const user = await context.prisma.user.findUnique({ where: { id } })
  if (!user) throw new DomainError({ field, code: 'NOT_FOUND', message: 'Staff user not found.' })
  if (!user.isStaff) throw new DomainError({ field, code: notStaff, message: 'This user is not staff; use the customer mutations.' })
  return user
}

function names (input: StaffInput): Record<string, string> {
  const data: Record<string, string> = {}
  if (input.firstName !== undefined && input.firstName !== null) data.firstName = input.firstName.trim()
  if (input.lastName !== undefined && input.lastName !== null) data.lastName = input.lastName.trim()
  return data
}

function note (input: StaffInput): Record<string, unknown> {
  return input.note ? { note: [{ type: 'paragraph', children: [{ text: input.note }] }] } : {}
}

/**
 * Answer a unique violation on the email as a taken email is answered: the check before the
 * write can be overtaken by a simultaneous request (a registration, another staffCreate), and
 * the database then refuses the second write. Anything else is rethrown as it is.
 */
function asTakenEmailError (error: unknown): never {
  if (isUniqueViolation(error, 'email')) throw new DomainError({ field: 'email', code: 'UNIQUE', message: 'User with this email already exists.' })
  throw error
}
