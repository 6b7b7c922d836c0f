// Staff management by staff with MANAGE_STAFF (Saleor's staffCreate/Update/Delete), every change
// judged by services/staff/scope.ts inside the transaction that writes it. staffCreate on a customer's email promotes that same
// user in place: same id, addresses, metadata and history.
import type { Context } from '../../generated/keystone/types'
import type { Session } from '../identity'
import { DomainError, inTransaction, throwIfAny, trusted } from '../kernel'
import { assertAllowedRedirectUrl, resolveChannel } from '../messaging'
import {
  afterUserChange,
  asTakenValueError,
  assertEmailFree,
  changedEmail,
  cleanEmail,
  mailOneTimeLink,
  nameProblems,
  type UserRow,
} from '../users'
import { assertStaffChange } from './scope'
import { findUserOfKind, removeUsers } from './userRemoval'

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
export async function createStaff(context: Context, actor: Session, input: StaffInput): Promise<string> {
  const email = cleanEmail(input.email, { required: true })
  const redirectUrl = input.redirectUrl ? assertAllowedRedirectUrl(input.redirectUrl) : null
  const groups = [...new Set(input.addGroups ?? [])]

  return inTransaction(context, async tx => {
    const existing = await tx.prisma.user.findUnique({ where: { email } })
    if (existing?.isStaff) {
      throw new DomainError({ field: 'email', code: 'UNIQUE', message: 'A staff user with this email already exists.' })
    }
    // promotion is of the customer who has this very email; one that only looks like it is taken
    if (!existing) await assertEmailFree(tx, email)
    await assertStaffChange(tx, actor, {
      users: [
        existing
          ? { kind: 'update', userId: existing.id, isStaff: true, addGroups: groups }
          : { kind: 'create', isStaff: true, addGroups: groups },
      ],
    })
    const created = await writeStaffUser(tx, actor, { existing, email, groups, input })
    // the promotion itself (credentials ended, an unproved password dropped) is the User list's
    // rule on every path (services/users/promotion.ts); what follows it is afterUserChange's
    await afterUserChange(tx, { before: existing, after: created, actorId: actor.itemId })
    if (redirectUrl) await inviteStaff(tx, actor, created, redirectUrl)
    return String(created.id)
  })
}

// the new staff user, or the customer promoted in place, with its groups
async function writeStaffUser(
  tx: Context,
  actor: Session,
  { existing, email, groups, input }: { existing: UserRow | null; email: string; groups: string[]; input: StaffInput },
): Promise<UserRow> {
  const data = {
    ...names(input),
    ...(input.isActive !== undefined && input.isActive !== null ? { isActive: input.isActive } : {}),
    ...note(input),
  }
  const writer = trusted(tx, actor).db.User
  const user = existing
    ? await writer.updateOne({ where: { id: existing.id }, data: { ...data, isStaff: true } })
    : await writer.createOne({ data: { ...data, email, isStaff: true, isConfirmed: true } }).catch(asTakenValueError)
  if (!user) throw new Error('staff user vanished while being created')
  if (groups.length)
    await tx.prisma.user.update({
      where: { id: user.id },
      data: { permissionGroups: { connect: groups.map(id => ({ id })) } },
    })
  const created = await tx.prisma.user.findUniqueOrThrow({ where: { id: user.id } })
  // the customer found by this email must still have it: an email change that committed in between
  // (a verified change the customer redeemed just then) would have this promote another address
  if (created.email !== email)
    throw new DomainError({
      field: 'email',
      code: 'INVALID',
      message: 'The account with this email changed; try again.',
    })
  return created
}

// a staff invite: the staff event and the staff mail, never the customer ones, promotion included;
// it names the default channel, as a staff send of a reset does
async function inviteStaff(tx: Context, actor: Session, user: UserRow, redirectUrl: string): Promise<void> {
  const queued = await mailOneTimeLink(tx, {
    user,
    purpose: 'PASSWORD_RESET',
    redirectUrl,
    channel: await resolveChannel(tx, null),
    requestedBy: 'staff',
    actorId: actor.itemId,
  })
  // invited, deleted and invited again within the quiet period: refused whole, nothing made
  if (!queued)
    throw new DomainError({
      field: 'email',
      code: 'TOO_MANY_REQUESTS',
      message: 'A set-password link was sent to this address less than a minute ago. Try again in a minute.',
    })
}

/** Update a staff user: names, email, activity, note and group membership, within scope. */
export async function updateStaff(context: Context, actor: Session, id: string, input: StaffInput): Promise<void> {
  const addGroups = input.addGroups ?? []
  const removeGroups = input.removeGroups ?? []
  await inTransaction(context, async tx => {
    const before = await findUserOfKind(tx, id, { kind: 'staff' })
    const activity = input.isActive !== undefined && input.isActive !== null ? { isActive: input.isActive } : {}
    await assertStaffChange(tx, actor, {
      users: [{ kind: 'update', userId: id, addGroups, removeGroups, ...activity }],
    })
    const data: Record<string, unknown> = { ...names(input), ...note(input), ...activity }
    const email = input.email ? await changedEmail(tx, input.email, before) : undefined
    if (email) data.email = email
    await trusted(tx, actor).db.User.updateOne({ where: { id }, data }).catch(asTakenValueError)
    if (addGroups.length || removeGroups.length) {
      await tx.prisma.user.update({
        where: { id },
        data: {
          permissionGroups: {
            connect: addGroups.map(g => ({ id: g })),
            disconnect: removeGroups.map(g => ({ id: g })),
          },
        },
      })
    }
    const after = await tx.prisma.user.findUniqueOrThrow({ where: { id } })
    const events = [{ type: 'STAFF_UPDATED' as const, parameters: { addGroups, removeGroups } }]
    await afterUserChange(tx, { before, after, actorId: actor.itemId, events })
  })
}

/** Delete staff users (one, or up to MAX_BULK), within scope; never oneself or a superuser. */
export async function deleteStaff(context: Context, actor: Session, ids: string[]): Promise<number> {
  return inTransaction(context, tx => removeUsers(tx, actor, { ids, kind: 'staff' }))
}

// the names to write, trimmed; past the length every path applies, a field error
function names(input: StaffInput): Record<string, string> {
  const data: Record<string, string> = {}
  if (input.firstName !== undefined && input.firstName !== null) data.firstName = input.firstName.trim()
  if (input.lastName !== undefined && input.lastName !== null) data.lastName = input.lastName.trim()
  throwIfAny(nameProblems(data))
  return data
}

function note(input: StaffInput): Record<string, unknown> {
  return input.note ? { note: [{ type: 'paragraph', children: [{ text: input.note }] }] } : {}
}
