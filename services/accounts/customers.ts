// Customer management by staff with MANAGE_USERS (Saleor's customerCreate/Update/Delete and the
// staff address mutations). None of it touches a staff user: a staff id is NOT_FOUND here. Each
// change is judged by the staff scope rules (services/staff) inside the transaction that writes it.
import type { Context } from '../../generated/keystone/types'
import type { Session } from '../identity'
import { DomainError, isUniqueViolation } from '../kernel'
import { isValidEmail, normalizeEmail } from '../kernel'
import { recordAccountEvent } from '../users'
import { enqueueMail, kickOutbox } from '../messaging'
import { issueOneTimeToken } from '../identity'
import { assertAllowedRedirectUrl } from '../messaging'
import { resolveChannel } from './channels'
import { metadataProblem } from '../kernel'
import { signOutEverywhere } from '../identity'
import { createAddress, type AddressInput } from '../addresses'
import { emitWebhookEvent, kickWebhooks, userWebhookPayload } from '../messaging'
import { inTransaction, trusted } from '../kernel'
import { MAX_BULK, removeUser } from '../users'
import { assertStaffChange } from '../staff'

export type CustomerInput = {
  email?: string | null
  firstName?: string | null
  lastName?: string | null
  isActive?: boolean | null
  isConfirmed?: boolean | null
  note?: string | null
  languageCode?: string | null
  externalReference?: string | null
  metadata?: Record<string, string> | null
  privateMetadata?: Record<string, string> | null
  defaultShippingAddress?: AddressInput | null
  defaultBillingAddress?: AddressInput | null
  redirectUrl?: string | null
  channel?: string | null
}


/** The customer with this id, or NOT_FOUND for a missing user and for any staff user alike. */
export async function findCustomer (context: Context, id: string, field = 'id') {
  const user = await context.prisma.user.findUnique({ where: { id } })
  if (!user || user.isStaff) throw new DomainError({ field, code: 'NOT_FOUND', message: 'Customer not found.' })
  return user
}

/** Create a customer; with a redirectUrl it is mailed a link to set its password. */
export async function createCustomer (context: Context, actor: Session, input: CustomerInput): Promise<string> {
  const email = normalizeEmail(input.email ?? '')
  if (!isValidEmail(email)) throw new DomainError({ field: 'email', code: email ? 'INVALID' : 'REQUIRED', message: 'Enter a valid email address.' })
  assertMetadata(input)
  const redirectUrl = input.redirectUrl ? assertAllowedRedirectUrl(input.redirectUrl) : null
  const channel = await resolveChannel(context, input.channel)
  if (await context.prisma.user.findUnique({ where: { email } })) throw new DomainError({ field: 'email', code: 'UNIQUE', message: 'User with this email already exists.' })
  const userId = await inTransaction(context, async tx => {
    await assertStaffChange(tx, actor, { users: [{ kind: 'create', isStaff: false, ...activityOf(input) }] })
    const data = { email, ...profileData(input), isConfirmed: input.isConfirmed ?? false }
    const user = await trusted(tx, actor).db.User.createOne({ data })
      .catch(asTakenValueError)
    await recordAccountEvent(tx, { type: 'ACCOUNT_CREATED_FROM_STAFF', userId: user.id, actorId: actor.itemId })
    await addDefaults(tx, user.id, input)
    const created = await tx.prisma.user.findUniqueOrThrow({ where: { id: user.id } })
    await emitWebhookEvent(tx, { event: 'CUSTOMER_CREATED', payload: { user: userWebhookPayload(created) } })
    if (redirectUrl) {
      const token = await issueOneTimeToken(tx, { userId: user.id, purpose: 'PASSWORD_RESET' })
      await enqueueMail(tx, { to: email, template: 'PASSWORD_RESET', params: { email, firstName: created.firstName, redirectUrl, shopName: channel?.name }, secrets: { token }, userId: user.id })
      await recordAccountEvent(tx, { type: 'PASSWORD_RESET_LINK_SENT', userId: user.id, actorId: actor.itemId })
      await emitWebhookEvent(tx, { event: 'ACCOUNT_SET_PASSWORD_REQUESTED', payload: { user: userWebhookPayload(created), redirectUrl, channel: channel?.slug ?? null } })
    }
    return user.id
  })
  kickOutbox()
  kickWebhooks()
  return userId
}

/** Update a customer as staff: email (EMAIL_ASSIGNED), names, activity, notes and metadata. */
export async function updateCustomer (context: Context, actor: Session, id: string, input: CustomerInput): Promise<void> {
  const before = await findCustomer(context, id)
  assertMetadata(input)
  const data: Record<string, unknown> = profileData(input)
  if (input.email !== undefined && input.email !== null) {
    const email = normalizeEmail(input.email)
    if (!isValidEmail(email)) throw new DomainError({ field: 'email', code: 'INVALID', message: 'Enter a valid email address.' })
    if (email !== before.email) {
      const taken = await context.prisma.user.findUnique({ where: { email } })
      if (taken) throw new DomainError({ field: 'email', code: 'UNIQUE', message: 'User with this email already exists.' })
      data.email = email
    }
  }
  if (input.isConfirmed !== undefined && input.isConfirmed !== null) data.isConfirmed = input.isConfirmed
  await inTransaction(context, async tx => {
    // signing out follows a new email or a deactivation: the old credentials no longer describe the account
    const signOut = data.email !== undefined || data.isActive === false
    await assertStaffChange(tx, actor, { users: [{ kind: 'update', userId: id, ...activityOf(input) }] })
    await trusted(tx, actor).db.User.updateOne({ where: { id }, data }).catch(asTakenValueError)
    if (signOut) await signOutEverywhere(tx, id)
    if (data.email) await recordAccountEvent(tx, { type: 'EMAIL_ASSIGNED', userId: id, actorId: actor.itemId, parameters: { old_email: before.email, new_email: data.email } })
    if (data.firstName !== undefined || data.lastName !== undefined) await recordAccountEvent(tx, { type: 'NAME_ASSIGNED', userId: id, actorId: actor.itemId, parameters: { message: `${data.firstName ?? before.firstName} ${data.lastName ?? before.lastName}`.trim() } })
    if (data.isActive !== undefined && data.isActive !== before.isActive) await recordAccountEvent(tx, { type: data.isActive ? 'ACCOUNT_ACTIVATED' : 'ACCOUNT_DEACTIVATED', userId: id, actorId: actor.itemId })
    if (input.note) await recordAccountEvent(tx, { type: 'NOTE_ADDED', userId: id, actorId: actor.itemId })
    await addDefaults(tx, id, input)
    const after = await tx.prisma.user.findUniqueOrThrow({ where: { id } })
    await emitWebhookEvent(tx, { event: 'CUSTOMER_UPDATED', payload: { user: userWebhookPayload(after) } })
    if (input.metadata) await emitWebhookEvent(tx, { event: 'CUSTOMER_METADATA_UPDATED', payload: { user: userWebhookPayload(after) } })
  })
  kickWebhooks()
}

/** Delete customers (one, or up to MAX_BULK at once); any id that is not a customer refuses them all. */
export async function deleteCustomers (context: Context, actor: Session, ids: string[]): Promise<number> {
  if (ids.length > MAX_BULK) throw new DomainError({ field: 'ids', code: 'INVALID', message: `At most ${MAX_BULK} ids at once.` })
  const users: Awaited<ReturnType<typeof findCustomer>>[] = []
  for (const id of new Set(ids)) users.push(await findCustomer(context, id, ids.length > 1 ? 'ids' : 'id'))
  await inTransaction(context, async tx => {
    await assertStaffChange(tx, actor, { users: users.map(u => ({ kind: 'delete', userId: u.id })) })
    for (const user of users) {
      await removeUser(tx, user, actor.itemId)
      await emitWebhookEvent(tx, { event: 'CUSTOMER_DELETED', payload: { user: userWebhookPayload(user) } })
    }
  })
  kickWebhooks()
  return users.length
}

function profileData (input: CustomerInput): Record<string, unknown> {
  const data: Record<string, unknown> = {}
  for (const key of ['firstName', 'lastName', 'languageCode', 'externalReference'] as const) if (input[key] !== undefined && input[key] !== null) data[key] = input[key]!.trim()
  if (input.externalReference === '') data.externalReference = null
  if (input.isActive !== undefined && input.isActive !== null) data.isActive = input.isActive
  if (input.metadata) data.metadata = input.metadata
  if (input.privateMetadata) data.privateMetadata = input.privateMetadata
  if (input.note) data.note = [{ type: 'paragraph', children: [{ text: input.note }] }]
  return data
}

function activityOf (input: CustomerInput): { isActive?: boolean } {
  return input.isActive !== undefined && input.isActive !== null ? { isActive: input.isActive } : {}
}

function assertMetadata (input: CustomerInput): void {
  const errors = []
  for (const key of ['metadata', 'privateMetadata'] as const) {
    const problem = metadataProblem(input[key])
    if (problem) errors.push({ field: key, code: 'INVALID' as const, message: `${key} ${problem}.` })
  }
  if (errors.length) throw new DomainError(errors)
}

async function addDefaults (context: Context, userId: string, input: CustomerInput): Promise<void> {
  if (input.defaultShippingAddress) await createAddress(context, { userId, input: input.defaultShippingAddress, setDefault: 'SHIPPING' })
  if (input.defaultBillingAddress) await createAddress(context, { userId, input: input.defaultBillingAddress, setDefault: 'BILLING' })
}

/**
 * Answer a unique violation the way a taken value is answered: the check before the write can
 * be overtaken by a simultaneous request (PostgreSQL runs them side by side), and the database
 * then refuses the second write. Anything else is rethrown as it is.
 */
function asTakenValueError (error: unknown): never {
  if (isUniqueViolation(error, 'email')) throw new DomainError({ field: 'email', code: 'UNIQUE', message: 'User with this email already exists.' })
  // no check runs before the write for this one: the index is the only judge
  if (isUniqueViolation(error, 'externalReference')) throw new DomainError({ field: 'externalReference', code: 'UNIQUE', message: 'User with this external reference already exists.' })
  throw error
}
