// Customer management by staff with MANAGE_USERS (Saleor's customerCreate/Update/Delete and the
// staff address mutations). None of it touches a staff user: a staff id is NOT_FOUND here. Each
// change is judged by the staff scope rules (services/staff) inside the transaction that writes it.
import type { Context } from '../../generated/keystone/types'
import type { Session } from '../identity'
import { DomainError, inTransaction, metadataProblem, throwIfAny, trusted, type FieldError } from '../kernel'
import { assertAllowedRedirectUrl, resolveChannel } from '../messaging'
import { createAddress, type AddressInput } from '../addresses'
import {
  afterUserChange,
  asTakenValueError,
  assertEmailFree,
  changedEmail,
  cleanEmail,
  languageCodeProblems,
  mailOneTimeLink,
  nameProblems,
} from '../users'
import { assertStaffChange, findUserOfKind, removeUsers } from '../staff'

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
export async function findCustomer(context: Context, id: string, field = 'id') {
  return findUserOfKind(context, id, { kind: 'customer', field })
}

/** Create a customer; with a redirectUrl it is mailed a link to set its password. */
export async function createCustomer(context: Context, actor: Session, input: CustomerInput): Promise<string> {
  const email = cleanEmail(input.email, { required: true })
  assertCustomerFields(input)
  const redirectUrl = input.redirectUrl ? assertAllowedRedirectUrl(input.redirectUrl) : null
  const channel = await resolveChannel(context, input.channel)
  await assertEmailFree(context, email)
  const userId = await inTransaction(context, async tx => {
    await assertStaffChange(tx, actor, { users: [{ kind: 'create', isStaff: false, ...activityOf(input) }] })
    const data = { email, ...profileData(input), isConfirmed: input.isConfirmed ?? false }
    const user = await trusted(tx, actor).db.User.createOne({ data }).catch(asTakenValueError)
    await addDefaults(tx, user.id, input)
    const created = await tx.prisma.user.findUniqueOrThrow({ where: { id: user.id } })
    await afterUserChange(tx, { before: null, after: created, actorId: actor.itemId })
    if (redirectUrl) {
      const queued = await mailOneTimeLink(tx, {
        user: created,
        purpose: 'PASSWORD_RESET',
        redirectUrl,
        channel,
        requestedBy: 'staff',
        actorId: actor.itemId,
      })
      // created, deleted and created again within the quiet period: refused whole, nothing made
      if (!queued) throw linkSentRecently()
    }
    return user.id
  })
  return userId
}

/** Update a customer as staff: email (EMAIL_ASSIGNED), names, activity, notes and metadata. */
export async function updateCustomer(
  context: Context,
  actor: Session,
  id: string,
  input: CustomerInput,
): Promise<void> {
  await findCustomer(context, id)
  assertCustomerFields(input)
  await inTransaction(context, async tx => {
    const before = await findCustomer(tx, id)
    const data: Record<string, unknown> = profileData(input)
    const email =
      input.email !== undefined && input.email !== null ? await changedEmail(tx, input.email, before) : undefined
    if (email) data.email = email
    if (input.isConfirmed !== undefined && input.isConfirmed !== null) data.isConfirmed = input.isConfirmed
    await assertStaffChange(tx, actor, { users: [{ kind: 'update', userId: id, ...activityOf(input) }] })
    await trusted(tx, actor).db.User.updateOne({ where: { id }, data }).catch(asTakenValueError)
    await addDefaults(tx, id, input)
    const after = await tx.prisma.user.findUniqueOrThrow({ where: { id } })
    const events = input.note ? [{ type: 'NOTE_ADDED' as const }] : []
    await afterUserChange(tx, { before, after, actorId: actor.itemId, events })
  })
}

/** Delete customers (one, or up to MAX_BULK at once); any id that is not a customer refuses them all. */
export async function deleteCustomers(context: Context, actor: Session, ids: string[]): Promise<number> {
  return inTransaction(context, tx => removeUsers(tx, actor, { ids, kind: 'customer' }))
}

function linkSentRecently(): DomainError {
  return new DomainError({
    field: 'email',
    code: 'TOO_MANY_REQUESTS',
    message: 'A set-password link was sent to this address less than a minute ago. Try again in a minute.',
  })
}

function profileData(input: CustomerInput): Record<string, unknown> {
  const data: Record<string, unknown> = {}
  for (const key of ['firstName', 'lastName', 'languageCode', 'externalReference'] as const)
    if (input[key] !== undefined && input[key] !== null) data[key] = input[key]!.trim()
  if (input.externalReference === '') data.externalReference = null
  if (input.isActive !== undefined && input.isActive !== null) data.isActive = input.isActive
  if (input.metadata) data.metadata = input.metadata
  if (input.privateMetadata) data.privateMetadata = input.privateMetadata
  if (input.note) data.note = [{ type: 'paragraph', children: [{ text: input.note }] }]
  return data
}

function activityOf(input: CustomerInput): { isActive?: boolean } {
  return input.isActive !== undefined && input.isActive !== null ? { isActive: input.isActive } : {}
}

// the rules every path applies to these fields, judged before anything is written, as field errors
function assertCustomerFields(input: CustomerInput): void {
  const errors: FieldError[] = [
    ...nameProblems({ firstName: input.firstName?.trim(), lastName: input.lastName?.trim() }),
    ...languageCodeProblems(input.languageCode?.trim()),
  ]
  for (const key of ['metadata', 'privateMetadata'] as const) {
    const problem = metadataProblem(input[key])
    if (problem) errors.push({ field: key, code: 'INVALID', message: `${key} ${problem}.` })
  }
  throwIfAny(errors)
}

async function addDefaults(context: Context, userId: string, input: CustomerInput): Promise<void> {
  if (input.defaultShippingAddress)
    await createAddress(context, { userId, input: input.defaultShippingAddress, setDefault: 'SHIPPING' })
  if (input.defaultBillingAddress)
    await createAddress(context, { userId, input: input.defaultBillingAddress, setDefault: 'BILLING' })
}
