// What an actor may grant, as Saleor rules it: the one entry point, judgeStaffChange, for every
// path that creates, changes or deletes a user or a permission group. The staff, permission-group
// and customer services call it inside the transaction that writes, and so do the validate hooks
// of lists/User.ts and lists/PermissionGroup.ts (Keystone's generated mutations, the Admin UI and
// any untrusted sudo write).
//
// A change is judged on the state before and after it. Nobody grants, removes or edits a
// permission, group, user or channel wider than what they hold (superusers pass these scope
// checks); creating staff takes MANAGE_STAFF and creating a customer MANAGE_USERS; only a
// superuser grants or removes superuser status; no change may leave a permission that no active
// MANAGE_STAFF holder can manage; no change by an actor may leave it without a group when it had
// one (judged on the state after: leaving a group one is not in is no change); nobody
// deactivates or deletes their own account; superusers are never deactivated or deleted; add
// and remove lists must not overlap; only staff join groups.
//
// The judge (problemsOf) composes four checks: the group check (groupChangeProblems), the user
// check (userChangeProblems), both on the state before, then the membership check
// (membershipProblems) and the manageability check (manageabilityProblems) on the state after.
import type { Context } from '../../generated/keystone/types'
import {
  effectiveChannels,
  effectivePermissions,
  isActiveStaffSession,
  isPermission,
  isSuperuserSession,
  sessionHolds,
} from '../identity'
import type { Permission, Session } from '../identity'
import { DomainError, isPostgres, lockUser, type FieldError } from '../kernel'

export type UserChange = {
  kind: 'create' | 'update' | 'delete'
  userId?: string // absent on create
  isStaff?: boolean
  isSuperuser?: boolean
  isActive?: boolean
  addGroups?: string[]
  removeGroups?: string[]
}

export type GroupChange = {
  kind: 'create' | 'update' | 'delete'
  groupId?: string // absent on create
  addPermissions?: string[]
  removePermissions?: string[]
  addUsers?: string[]
  removeUsers?: string[]
  addChannels?: string[]
  removeChannels?: string[]
  restrictedAccessToChannels?: boolean
}

/** The whole intended change: every user and group it creates, updates or deletes. */
export type StaffChange = { users?: UserChange[]; groups?: GroupChange[] }

/**
 * Judge a whole change for this actor on the state read in `tx`, and return every problem with
 * its code and field. Call it inside the transaction that writes the change: on PostgreSQL it
 * first takes a transaction lock that every scope change takes, so that two changes, each fine on
 * the state before the other, cannot together leave what neither alone would.
 */
export async function judgeStaffChange(
  tx: Context,
  actor: Session | undefined,
  change: StaffChange,
): Promise<FieldError[]> {
  const userIds = [
    ...(change.users ?? []).flatMap(u => (u.userId ? [u.userId] : [])),
    ...(change.groups ?? []).flatMap(g => [...(g.addUsers ?? []), ...(g.removeUsers ?? [])]),
  ]
  await lockStaffScope(tx, userIds)
  return problemsOf(await loadScopeState(tx, userIds), actor, change)
}

/**
 * The locks judgeStaffChange takes, for a caller that must read the state its change is computed
 * from under them (the change then judged in the same transaction takes them again, which
 * PostgreSQL grants to the holder): the one every scope change takes, then each named user's own,
 * in one order, before the change writes its row (a redemption of the user's link, setPassword…,
 * holds it while it writes the token's row and then the user's).
 */
export async function lockStaffScope(tx: Context, userIds: string[]): Promise<void> {
  await serializeScopeChanges(tx)
  for (const userId of [...new Set(userIds)].sort()) await lockUser(tx, userId)
}

/**
 * The same rules for acting on a user without changing a field of it (reading or ending its
 * sessions), read-only: no locks, and the scope state loaded only when the rules look at it (a
 * customer's own fields need no scope: needsJudging), so a page of customers loads no scope state.
 */
export async function judgeUserReach(
  context: Context,
  actor: Session | undefined,
  target: { id: string; isStaff: boolean },
): Promise<FieldError[]> {
  const change: UserChange = { kind: 'update', userId: target.id }
  if (!needsJudging(change, { ...target, isActive: true, isSuperuser: false }, target.id === actor?.itemId)) return []
  return problemsOf(await loadScopeState(context, [target.id]), actor, { users: [change] })
}

/** The same judgement, throwing one DomainError with every problem. */
export async function assertStaffChange(tx: Context, actor: Session | undefined, change: StaffChange): Promise<void> {
  const problems = await judgeStaffChange(tx, actor, change)
  if (problems.length) throw new DomainError(problems)
}

// 727010: any constant every scope change agrees on, released when the transaction ends;
// SQLite already has a single writer (database.ts)
async function serializeScopeChanges(tx: Context): Promise<void> {
  if (!isPostgres(tx)) return
  await tx.prisma.$executeRaw`SELECT pg_advisory_xact_lock(727010)`
}

type GroupState = {
  id: string
  permissions: Set<Permission>
  userIds: Set<string>
  restricted: boolean
  channelIds: Set<string>
}
type UserState = { id: string; isActive: boolean; isStaff: boolean; isSuperuser: boolean; isConfirmed?: boolean }
type ScopeState = { groups: Map<string, GroupState>; users: Map<string, UserState> }
type Channels = 'ALL' | Set<string>

// what the rules look at: every permission group and every staff user (a small set), plus the
// users the change names
async function loadScopeState(context: Context, extraUserIds: string[]): Promise<ScopeState> {
  const [groups, users] = await Promise.all([
    context.prisma.permissionGroup.findMany({
      include: { users: { select: { id: true } }, accessibleChannels: { select: { id: true } } },
    }),
    context.prisma.user.findMany({
      where: { OR: [{ isStaff: true }, { id: { in: extraUserIds } }] },
      select: { id: true, isActive: true, isStaff: true, isSuperuser: true, isConfirmed: true },
    }),
  ])
  return {
    groups: new Map(
      groups.map(g => [
        g.id,
        {
          id: g.id,
          permissions: new Set((Array.isArray(g.permissions) ? g.permissions : []).filter(isPermission)),
          userIds: new Set(g.users.map(u => u.id)),
          restricted: g.restrictedAccessToChannels,
          channelIds: new Set(g.accessibleChannels.map(c => c.id)),
        },
      ]),
    ),
    users: new Map(users.map(u => [u.id, u])),
  }
}

// a user or group this change creates has no id yet: it is known by one of these in the state after
const newUserId = (index: number) => `\u0000new-user-${index}`
const newGroupId = (index: number) => `\u0000new-group-${index}`

/** Who is judging, and the permissions and channels it holds before the change. */
type Actor = {
  id: string
  session: Session | undefined
  superuser: boolean
  permissions: Set<Permission>
  channels: Channels
}

// what the actor holds is what its session holds: a staff user whose session lacks the second
// factor STAFF_MFA_REQUIRED asks for acts as a customer (services/identity/sessions.ts: sessionDataOf)
function actorOf(state: ScopeState, session: Session | undefined): Actor {
  const id = session?.itemId ?? ''
  const staff = isActiveStaffSession(session)
  return {
    id,
    session,
    superuser: isSuperuserSession(session),
    permissions: staff ? permissionsOf(state, id) : new Set(),
    channels: staff ? channelsOf(state, id) : new Set(),
  }
}

/**
 * The judge: the group check for each group the change touches, the user check for each user,
 * then the membership and manageability checks on the state after the whole change.
 */
function problemsOf(before: ScopeState, session: Session | undefined, change: StaffChange): FieldError[] {
  const actor = actorOf(before, session)
  const after = apply(before, change)
  return [
    ...(change.groups ?? []).flatMap(groupChange => groupChangeProblems(before, actor, groupChange)),
    ...(change.users ?? []).flatMap((userChange, index) => userChangeProblems(before, actor, userChange, index)),
    ...membershipProblems(before, after, actor, change),
    ...manageabilityProblems(before, after),
  ]
}

// ---- scope: what lies within the actor's permissions and channels (superusers pass these checks)

const outOfScope = (actor: Actor, permissions: Iterable<Permission>) =>
  [...permissions].filter(p => !actor.permissions.has(p))

/** May the actor manage this group: nothing in it wider than what the actor holds. */
function groupWithinActor(group: GroupState, actor: Actor): boolean {
  return (
    outOfScope(actor, group.permissions).length === 0 &&
    channelsWithin(group.restricted ? group.channelIds : 'ALL', actor.channels)
  )
}

/** May the actor manage this user: nothing it holds wider than what the actor holds. */
function userWithinActor(state: ScopeState, userId: string, actor: Actor): boolean {
  return (
    outOfScope(actor, permissionsOf(state, userId)).length === 0 &&
    channelsWithin(channelsOf(state, userId), actor.channels)
  )
}

// ---- the group check: what a change to one permission group asks of the actor

function groupChangeProblems(before: ScopeState, actor: Actor, change: GroupChange): FieldError[] {
  const errors = groupInputProblems(change)
  const group = change.groupId ? before.groups.get(change.groupId) : undefined
  if (change.kind !== 'create' && !group)
    return [...errors, { field: 'id', code: 'NOT_FOUND', message: 'Permission group not found.' }]
  if (actor.superuser) return errors
  return [
    ...errors,
    ...groupManagerProblems(actor, group),
    ...groupPermissionProblems(actor, change),
    ...groupMemberProblems(before, actor, change),
    ...groupChannelProblems(actor, change),
  ]
}

function groupInputProblems(change: GroupChange): FieldError[] {
  const errors: FieldError[] = []
  const lists = [
    ['permissions', change.addPermissions, change.removePermissions],
    ['users', change.addUsers, change.removeUsers],
    ['channels', change.addChannels, change.removeChannels],
  ] as const
  for (const [field, add, remove] of lists) {
    const both = (add ?? []).filter(item => (remove ?? []).includes(item))
    const message = `The same ${field} appear in both the add and remove lists.`
    if (both.length) errors.push({ field, code: 'DUPLICATED_INPUT_ITEM', message, [field]: both })
  }
  const unknown = [...(change.addPermissions ?? []), ...(change.removePermissions ?? [])].filter(p => !isPermission(p))
  if (unknown.length)
    errors.push({ field: 'permissions', code: 'INVALID', message: 'Unknown permissions.', permissions: unknown })
  return errors
}

function groupManagerProblems(actor: Actor, group: GroupState | undefined): FieldError[] {
  const errors: FieldError[] = []
  if (!sessionHolds(actor.session, 'MANAGE_STAFF')) {
    const message = 'Managing permission groups requires MANAGE_STAFF.'
    errors.push({ field: null, code: 'OUT_OF_SCOPE_PERMISSION', message, permissions: ['MANAGE_STAFF'] })
  }
  if (group && !groupWithinActor(group, actor)) {
    const message = "You can't manage a group with permissions or channels you don't have."
    errors.push({ field: null, code: 'OUT_OF_SCOPE_GROUP', message, groups: [group.id] })
  }
  return errors
}

function groupPermissionProblems(actor: Actor, change: GroupChange): FieldError[] {
  const added = (change.addPermissions ?? []).filter(isPermission)
  const removed = (change.removePermissions ?? []).filter(isPermission)
  const permissions = outOfScope(actor, [...added, ...removed])
  if (!permissions.length) return []
  // errors name the input field that carried the offending items, as Saleor's do
  const field = outOfScope(actor, added).length ? 'addPermissions' : 'removePermissions'
  const message = "You can't grant or remove permissions you don't have."
  return [{ field, code: 'OUT_OF_SCOPE_PERMISSION', message, permissions }]
}

function groupMemberProblems(before: ScopeState, actor: Actor, change: GroupChange): FieldError[] {
  const touched = [...(change.addUsers ?? []), ...(change.removeUsers ?? [])].filter(
    id => before.users.get(id)?.isStaff,
  )
  const users = touched.filter(id => !userWithinActor(before, id, actor))
  if (!users.length) return []
  const message = "You can't manage users with permissions or channels you don't have."
  return [{ field: 'users', code: 'OUT_OF_SCOPE_USER', message, users }]
}

function groupChannelProblems(actor: Actor, change: GroupChange): FieldError[] {
  const touched = [...(change.addChannels ?? []), ...(change.removeChannels ?? [])]
  const scope = actor.channels
  const channels = scope === 'ALL' ? [] : touched.filter(id => !scope.has(id))
  // a new group is open to every channel unless it says otherwise
  const restricted = change.restrictedAccessToChannels
  const opens = restricted === false || (change.kind === 'create' && restricted !== true)
  if (!channels.length && !(opens && actor.channels !== 'ALL')) return []
  const message = "You can't grant access to channels you don't have."
  return [{ field: 'channels', code: 'OUT_OF_SCOPE_CHANNEL', message, channels }]
}

// ---- the user check: what a change to one user asks of the actor

function userChangeProblems(before: ScopeState, actor: Actor, change: UserChange, index: number): FieldError[] {
  const target = targetOf(before, change, index)
  if (!target) return []
  const self = change.kind !== 'create' && target.id === actor.id
  if (!needsJudging(change, target, self)) return []
  const errors = [
    ...duplicateGroupProblems(change),
    ...protectedAccountProblems(change, target, self),
    ...unknownGroupProblems(before, change),
  ]
  if (actor.superuser) return errors
  return [
    ...errors,
    ...requiredPermissionProblems(actor, change, target),
    ...userScopeProblems(before, actor, change, target, self),
  ]
}

function targetOf(before: ScopeState, change: UserChange, index: number): UserState | undefined {
  if (change.kind === 'create') return { id: newUserId(index), isActive: true, isStaff: false, isSuperuser: false }
  return before.users.get(change.userId ?? '')
}

// any change to another staff user is judged (a narrower manager must not reset a wider one's
// email or password); a customer's own fields and one's own profile need no scope
function needsJudging(change: UserChange, target: UserState, self: boolean): boolean {
  if (change.kind !== 'update') return true
  const scoped =
    change.isStaff !== undefined ||
    change.isSuperuser !== undefined ||
    change.isActive !== undefined ||
    (change.addGroups ?? []).length > 0 ||
    (change.removeGroups ?? []).length > 0
  return scoped || (target.isStaff && !self)
}

function duplicateGroupProblems(change: UserChange): FieldError[] {
  const groups = (change.addGroups ?? []).filter(id => (change.removeGroups ?? []).includes(id))
  if (!groups.length) return []
  const message = 'The same groups appear in both addGroups and removeGroups.'
  return [{ field: 'groups', code: 'DUPLICATED_INPUT_ITEM', message, groups }]
}

function unknownGroupProblems(before: ScopeState, change: UserChange): FieldError[] {
  const groups = [...(change.addGroups ?? []), ...(change.removeGroups ?? [])].filter(id => !before.groups.has(id))
  if (!groups.length) return []
  return [{ field: 'groups', code: 'NOT_FOUND', message: 'Permission group not found.', groups }]
}

// nobody deactivates or deletes their own account; superusers are never deactivated or deleted
function protectedAccountProblems(change: UserChange, target: UserState, self: boolean): FieldError[] {
  const deleting = change.kind === 'delete'
  const deactivating = change.isActive === false
  const errors: FieldError[] = []
  if (self && deleting)
    errors.push({ field: 'id', code: 'DELETE_OWN_ACCOUNT', message: 'You cannot delete your own account.' })
  if (self && deactivating) {
    const message = 'You cannot deactivate your own account.'
    errors.push({ field: 'isActive', code: 'DEACTIVATE_OWN_ACCOUNT', message })
  }
  if (target.isSuperuser && deleting)
    errors.push({ field: 'id', code: 'DELETE_SUPERUSER_ACCOUNT', message: 'A superuser cannot be deleted.' })
  if (target.isSuperuser && deactivating) {
    const message = 'A superuser cannot be deactivated.'
    errors.push({ field: 'isActive', code: 'DEACTIVATE_SUPERUSER_ACCOUNT', message })
  }
  return errors
}

// escalation: a customer manager must not mint staff, a staff manager must not mint customers
function requiredPermissionProblems(actor: Actor, change: UserChange, target: UserState): FieldError[] {
  const creating = change.kind === 'create'
  const staff = creating ? (change.isStaff ?? target.isStaff) : target.isStaff || change.isStaff === true
  const customer = creating ? !staff : !target.isStaff && change.isStaff === undefined
  const needs: [Permission, string][] = []
  if (creating && staff) needs.push(['MANAGE_STAFF', 'Creating a staff user requires MANAGE_STAFF.'])
  if (creating && customer) needs.push(['MANAGE_USERS', 'Creating a customer requires MANAGE_USERS.'])
  if (!creating && staff) needs.push(['MANAGE_STAFF', 'Managing staff requires MANAGE_STAFF.'])
  if (!creating && customer) needs.push(['MANAGE_USERS', 'Managing customers requires MANAGE_USERS.'])
  return needs
    .filter(([permission]) => !sessionHolds(actor.session, permission))
    .map(([permission, message]) => ({
      field: null,
      code: 'OUT_OF_SCOPE_PERMISSION',
      message,
      permissions: [permission],
    }))
}

function userScopeProblems(
  before: ScopeState,
  actor: Actor,
  change: UserChange,
  target: UserState,
  self: boolean,
): FieldError[] {
  const errors: FieldError[] = []
  // only a superuser grants or removes superuser status
  if (change.isSuperuser !== undefined && change.isSuperuser !== target.isSuperuser) {
    const message = 'Only a superuser may grant or remove superuser status.'
    errors.push({ field: 'isSuperuser', code: 'OUT_OF_SCOPE_PERMISSION', message })
  }
  if (!self && target.isStaff && !userWithinActor(before, target.id, actor)) {
    const message = "You can't manage a user with permissions or channels you don't have."
    errors.push({ field: 'id', code: 'OUT_OF_SCOPE_USER', message, users: [target.id] })
  }
  const outside = (ids: string[]) =>
    ids.filter(id => {
      const group = before.groups.get(id)
      return group !== undefined && !groupWithinActor(group, actor)
    })
  const added = outside(change.addGroups ?? [])
  const groups = [...added, ...outside(change.removeGroups ?? [])]
  if (groups.length) {
    const message = "You can't add to or remove from groups with permissions or channels you don't have."
    errors.push({ field: added.length ? 'addGroups' : 'removeGroups', code: 'OUT_OF_SCOPE_GROUP', message, groups })
  }
  return errors
}

// ---- the membership check, on the state after the change

function membershipProblems(before: ScopeState, after: ScopeState, actor: Actor, change: StaffChange): FieldError[] {
  return [...nonStaffMemberProblems(before, after, change), ...lastGroupProblems(before, after, actor.id, change)]
}

// only staff join groups: a customer promoted in the same change may join
function nonStaffMemberProblems(before: ScopeState, after: ScopeState, change: StaffChange): FieldError[] {
  const errors: FieldError[] = []
  const message = 'Only staff users can be members of a permission group.'
  const notStaff = (id: string) => after.users.get(id)?.isStaff !== true
  for (const groupChange of change.groups ?? []) {
    // a group that is not there is NOT_FOUND already (the group check)
    if (groupChange.kind !== 'create' && !before.groups.has(groupChange.groupId ?? '')) continue
    const users = (groupChange.addUsers ?? []).filter(notStaff)
    if (users.length) errors.push({ field: 'addUsers', code: 'ASSIGN_NON_STAFF_MEMBER', message, users })
  }
  for (const [index, userChange] of (change.users ?? []).entries()) {
    const creating = userChange.kind === 'create'
    const id = creating ? newUserId(index) : (userChange.userId ?? '')
    if (!(userChange.addGroups ?? []).length || (!creating && !before.users.has(id)) || !notStaff(id)) continue
    errors.push({ field: 'addGroups', code: 'ASSIGN_NON_STAFF_MEMBER', message, users: creating ? [] : [id] })
  }
  return errors
}

/**
 * Nobody leaves themselves without a group: the actor had a group before the change and has
 * none after it (whether it left from the user side, the group side, or deleted the group).
 * Leaving a group one is not in changes nothing, and leaving one group for another keeps one.
 */
function lastGroupProblems(before: ScopeState, after: ScopeState, actorId: string, change: StaffChange): FieldError[] {
  const had = groupIdsOf(before, actorId)
  // deleting oneself is DELETE_OWN_ACCOUNT (the user check)
  if (!had.length || !after.users.has(actorId) || groupIdsOf(after, actorId).length) return []
  return [lastGroupError(had, actorId, change)]
}

// the error names the input that took the actor out of its last group
function lastGroupError(had: string[], actorId: string, change: StaffChange): FieldError {
  const code = 'CANNOT_REMOVE_FROM_LAST_GROUP'
  const message = 'You cannot remove yourself from your last group.'
  const groupSide = (change.groups ?? []).some(
    g => g.kind === 'update' && had.includes(g.groupId ?? '') && (g.removeUsers ?? []).includes(actorId),
  )
  if (groupSide) return { field: 'removeUsers', code, message, users: [actorId] }
  const left = (change.users ?? [])
    .filter(u => u.kind === 'update' && u.userId === actorId)
    .flatMap(u => (u.removeGroups ?? []).filter(id => had.includes(id)))
  if (left.length) return { field: 'removeGroups', code, message, groups: left }
  return { field: 'id', code, message: 'You cannot delete your last group.' }
}

// ---- the manageability check: no change may leave a permission that no active MANAGE_STAFF
// holder can manage (not even a superuser's)

function manageabilityProblems(before: ScopeState, after: ScopeState): FieldError[] {
  const stillManageable = manageablePermissions(after)
  const permissions = [...manageablePermissions(before)].filter(p => !stillManageable.has(p))
  if (!permissions.length) return []
  const message = 'After this change no active staff member with MANAGE_STAFF could manage these permissions.'
  return [{ field: null, code: 'LEFT_NOT_MANAGEABLE_PERMISSION', message, permissions }]
}

// ---- the states the checks read

function groupIdsOf(state: ScopeState, userId: string): string[] {
  return [...state.groups.values()].filter(g => g.userIds.has(userId)).map(g => g.id)
}

function permissionsOf(state: ScopeState, userId: string): Set<Permission> {
  const user = state.users.get(userId)
  if (!user) return new Set()
  const permissionGroups = [...state.groups.values()].filter(g => g.userIds.has(userId))
  return new Set(effectivePermissions({ ...user, permissionGroups }))
}

function channelsOf(state: ScopeState, userId: string): Channels {
  const groups = [...state.groups.values()].filter(g => g.userIds.has(userId))
  const grants = groups.map(g => ({ restrictedAccessToChannels: g.restricted, channelIds: g.channelIds }))
  return effectiveChannels({ isSuperuser: state.users.get(userId)?.isSuperuser === true }, grants)
}

// permissions some active member of a MANAGE_STAFF group also holds; superusers do not count
// (as in Saleor): they are not granted by groups and cannot be relied on to stay
function manageablePermissions(state: ScopeState): Set<Permission> {
  const manageable = new Set<Permission>()
  for (const user of state.users.values()) {
    const permissionGroups = [...state.groups.values()].filter(g => g.userIds.has(user.id))
    const held = effectivePermissions({ ...user, permissionGroups }, { superuserHoldsAll: false })
    if (held.includes('MANAGE_STAFF')) for (const p of held) manageable.add(p)
  }
  return manageable
}

function channelsWithin(channels: Channels, scope: Channels): boolean {
  if (scope === 'ALL') return true
  if (channels === 'ALL') return false
  return [...channels].every(id => scope.has(id))
}

/** The state after the change, for the membership and manageability rules. */
function apply(before: ScopeState, change: StaffChange): ScopeState {
  const copy = (g: GroupState) => ({
    ...g,
    permissions: new Set(g.permissions),
    userIds: new Set(g.userIds),
    channelIds: new Set(g.channelIds),
  })
  const after: ScopeState = {
    groups: new Map([...before.groups].map(([id, g]) => [id, copy(g)])),
    users: new Map([...before.users].map(([id, u]) => [id, { ...u }])),
  }
  for (const [index, c] of (change.groups ?? []).entries()) applyGroupChange(after, c, index)
  for (const [index, c] of (change.users ?? []).entries()) applyUserChange(after, c, index)
  return after
}

function applyGroupChange({ groups }: ScopeState, c: GroupChange, index: number): void {
  if (c.kind === 'delete') {
    if (c.groupId) groups.delete(c.groupId)
    return
  }
  const id = c.groupId ?? newGroupId(index)
  const group = groups.get(id) ?? {
    id,
    permissions: new Set<Permission>(),
    userIds: new Set<string>(),
    restricted: false,
    channelIds: new Set<string>(),
  }
  for (const p of c.addPermissions ?? []) if (isPermission(p)) group.permissions.add(p)
  for (const p of c.removePermissions ?? []) if (isPermission(p)) group.permissions.delete(p)
  for (const u of c.addUsers ?? []) group.userIds.add(u)
  for (const u of c.removeUsers ?? []) group.userIds.delete(u)
  groups.set(id, group)
}

function applyUserChange({ groups, users }: ScopeState, c: UserChange, index: number): void {
  const id = c.kind === 'create' ? newUserId(index) : (c.userId ?? '')
  if (c.kind === 'create') {
    users.set(id, {
      id,
      isActive: c.isActive ?? true,
      isStaff: c.isStaff ?? false,
      isSuperuser: c.isSuperuser ?? false,
    })
  }
  const user = users.get(id)
  if (!user) return
  if (c.kind === 'delete') {
    users.delete(id)
    for (const g of groups.values()) g.userIds.delete(id)
    return
  }
  if (c.isActive !== undefined) user.isActive = c.isActive
  if (c.isStaff !== undefined) user.isStaff = c.isStaff
  if (c.isSuperuser !== undefined) user.isSuperuser = c.isSuperuser
  for (const g of c.addGroups ?? []) groups.get(g)?.userIds.add(id)
  for (const g of c.removeGroups ?? []) groups.get(g)?.userIds.delete(id)
}
