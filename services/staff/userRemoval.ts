// Bulk deletion of users by staff (customerDelete, customerBulkDelete, staffDelete, staffBulkDelete),
// written once: each id is found on its side of isStaff, the whole deletion is judged by the scope
// rules (services/staff/scope.ts) inside the transaction, and each user goes the way every removal
// goes (services/users, removeUser). Also the one lookup of "a customer" or "a staff user" by id.
import type { Context } from '../../generated/keystone/types'
import type { Session } from '../identity'
import { DomainError } from '../kernel'
import { MAX_BULK, removeUser, type UserRow } from '../users'
import { assertStaffChange } from './scope'

export type UserKind = 'customer' | 'staff'

// what a missing id and an id of the other kind answer, for a lookup and for a deletion. A staff id
// asked for as a customer is NOT_FOUND like a missing one: customer managers learn nothing of staff
const REFUSALS: Record<
  UserKind,
  {
    missing: string
    wrongKind: { find: 'NOT_FOUND'; delete: 'NOT_FOUND' | 'DELETE_NON_STAFF_USER' }
    wrongKindMessage: string
  }
> = {
  customer: {
    missing: 'Customer not found.',
    wrongKind: { find: 'NOT_FOUND', delete: 'NOT_FOUND' },
    wrongKindMessage: 'Customer not found.',
  },
  staff: {
    missing: 'Staff user not found.',
    wrongKind: { find: 'NOT_FOUND', delete: 'DELETE_NON_STAFF_USER' },
    wrongKindMessage: 'This user is not staff; use the customer mutations.',
  },
}

/** The user with this id on the `kind` side of isStaff, or the refusal its purpose answers, on `field`. */
export async function findUserOfKind(
  context: Context,
  id: string,
  args: { kind: UserKind; field?: string; purpose?: 'find' | 'delete' },
): Promise<UserRow> {
  const refusal = REFUSALS[args.kind]
  const field = args.field ?? 'id'
  const user = await context.prisma.user.findUnique({ where: { id } })
  if (!user) throw new DomainError({ field, code: 'NOT_FOUND', message: refusal.missing })
  if (user.isStaff !== (args.kind === 'staff')) {
    throw new DomainError({ field, code: refusal.wrongKind[args.purpose ?? 'find'], message: refusal.wrongKindMessage })
  }
  return user
}

/**
 * Delete users of one kind (one, or up to MAX_BULK), inside the caller's transaction `tx`: any id that
 * is missing or of the other kind refuses them all, and so does the scope judgement (never oneself,
 * never a superuser, never beyond one's own permissions). Returns how many went; the webhooks
 * leave after the caller's commit.
 */
export async function removeUsers(
  tx: Context,
  actor: Session,
  args: { ids: readonly string[]; kind: UserKind },
): Promise<number> {
  if (args.ids.length > MAX_BULK)
    throw new DomainError({ field: 'ids', code: 'INVALID', message: `At most ${MAX_BULK} ids at once.` })
  const field = args.ids.length > 1 ? 'ids' : 'id'
  const users: UserRow[] = []
  for (const id of new Set(args.ids))
    users.push(await findUserOfKind(tx, id, { kind: args.kind, field, purpose: 'delete' }))
  await assertStaffChange(tx, actor, { users: users.map(user => ({ kind: 'delete', userId: user.id })) })
  for (const user of users) await removeUser(tx, user, { actorId: actor.itemId })
  return users.length
}
