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
// MANAGE_STAFF holder can manage; nobody removes themselves from their last group, or
// deactivates or deletes their own account; superusers are never deactivated or deleted; add
// and remove lists must not overlap; only staff join groups.
import type { Context } from '../../generated/keystone/types'
import { effectiveChannels, effectivePermissions, isPermission, isSuperuserSession, sessionHolds } from '../identity'
import type { Permission, Session } from '../identity'
import { DomainError, isPostgres, type FieldError } from '../kernel'

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
  await serializeScopeChanges(tx)
  const userIds = [
    ...(change.users ?? []).flatMap(u => (u.userId ? [u.userId] : [])),
    ...(change.groups ?? []).flatMap(g => [...(g.addUsers ?? []), ...(g.removeUsers ?? [])]),
  ]
  return problemsOf(await loadScopeState(tx, userIds), actor, change)
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

function problemsOf(before: ScopeState, session: Session | undefined, change: StaffChange): FieldError[] {
  const errors: FieldError[] = []
  const actorId = session?.itemId ?? ''
  const superuser = isSuperuserSession(session)
  const actorPermissions = permissionsOf(before, actorId)
  const actorChannels = channelsOf(before, actorId)
  const wider = (permissions: Iterable<Permission>) => [...permissions].filter(p => !actorPermissions.has(p))
  const widerUser = (id: string) =>
    wider(permissionsOf(before, id)).length > 0 || !channelsWithin(channelsOf(before, id), actorChannels)
  // memberships the change adds, judged on the state after it (only staff join groups)
  const joins: { field: 'addUsers' | 'addGroups'; userIds: string[]; report: string[] }[] = []

  for (const groupChange of change.groups ?? []) {
    const lists = [
      ['permissions', groupChange.addPermissions, groupChange.removePermissions],
      ['users', groupChange.addUsers, groupChange.removeUsers],
      ['channels', groupChange.addChannels, groupChange.removeChannels],
    ] as const
    for (const [field, add, remove] of lists) {
      const both = (add ?? []).filter(item => (remove ?? []).includes(item))
      const message = `The same ${field} appear in both the add and remove lists.`
      if (both.length) errors.push({ field, code: 'DUPLICATED_INPUT_ITEM', message, [field]: both })
    }
    const unknown = [...(groupChange.addPermissions ?? []), ...(groupChange.removePermissions ?? [])].filter(
      p => !isPermission(p),
    )
    if (unknown.length)
      errors.push({ field: 'permissions', code: 'INVALID', message: 'Unknown permissions.', permissions: unknown })
    const group = groupChange.groupId ? before.groups.get(groupChange.groupId) : undefined
    if (groupChange.kind !== 'create' && !group) {
      errors.push({ field: 'id', code: 'NOT_FOUND', message: 'Permission group not found.' })
      continue
    }
    const addUsers = groupChange.addUsers ?? []
    if (addUsers.length) joins.push({ field: 'addUsers', userIds: addUsers, report: addUsers })
    if (groupChange.removeUsers?.includes(actorId) && group && groupIdsOf(before, actorId).length === 1) {
      const message = 'You cannot remove yourself from your last group.'
      errors.push({ field: 'removeUsers', code: 'CANNOT_REMOVE_FROM_LAST_GROUP', message, users: [actorId] })
    }
    if (superuser) continue
    if (!sessionHolds(session, 'MANAGE_STAFF')) {
      const message = 'Managing permission groups requires MANAGE_STAFF.'
      errors.push({ field: null, code: 'OUT_OF_SCOPE_PERMISSION', message, permissions: ['MANAGE_STAFF'] })
    }
    if (group && !groupWithin(group, actorPermissions, actorChannels)) {
      const message = "You can't manage a group with permissions or channels you don't have."
      errors.push({ field: null, code: 'OUT_OF_SCOPE_GROUP', message, groups: [group.id] })
    }
    const addedPermissions = (groupChange.addPermissions ?? []).filter(isPermission)
    const removedPermissions = (groupChange.removePermissions ?? []).filter(isPermission)
    const outOfScope = wider([...addedPermissions, ...removedPermissions])
    // errors name the input field that carried the offending items, as Saleor's do
    if (outOfScope.length) {
      const field = wider(addedPermissions).length ? 'addPermissions' : 'removePermissions'
      const message = "You can't grant or remove permissions you don't have."
      errors.push({ field, code: 'OUT_OF_SCOPE_PERMISSION', message, permissions: outOfScope })
    }
    const touchedUsers = [...addUsers, ...(groupChange.removeUsers ?? [])].filter(id => before.users.get(id)?.isStaff)
    const widerUsers = touchedUsers.filter(widerUser)
    if (widerUsers.length) {
      const message = "You can't manage users with permissions or channels you don't have."
      errors.push({ field: 'users', code: 'OUT_OF_SCOPE_USER', message, users: widerUsers })
    }
    const touchedChannels = [...(groupChange.addChannels ?? []), ...(groupChange.removeChannels ?? [])]
    const outsideChannels = actorChannels === 'ALL' ? [] : touchedChannels.filter(id => !actorChannels.has(id))
    // a new group is open to every channel unless it says otherwise
    const restricted = groupChange.restrictedAccessToChannels
    const opensChannels = restricted === false || (groupChange.kind === 'create' && restricted !== true)
    if (outsideChannels.length || (opensChannels && actorChannels !== 'ALL')) {
      const message = "You can't grant access to channels you don't have."
      errors.push({ field: 'channels', code: 'OUT_OF_SCOPE_CHANNEL', message, channels: outsideChannels })
    }
  }

  for (const [index, userChange] of (change.users ?? []).entries()) {
    const creating = userChange.kind === 'create'
    const target = creating
      ? { id: newUserId(index), isActive: true, isStaff: false, isSuperuser: false }
      : before.users.get(userChange.userId ?? '')
    if (!target) continue
    const self = !creating && target.id === actorId
    const addGroups = userChange.addGroups ?? []
    const removeGroups = userChange.removeGroups ?? []
    const scoped =
      userChange.isStaff !== undefined ||
      userChange.isSuperuser !== undefined ||
      userChange.isActive !== undefined ||
      addGroups.length > 0 ||
      removeGroups.length > 0
    // any change to another staff user is judged (a narrower manager must not reset a wider one's
    // email or password); a customer's own fields and one's own profile need no scope
    if (userChange.kind === 'update' && !scoped && !(target.isStaff && !self)) continue

    const both = addGroups.filter(id => removeGroups.includes(id))
    if (both.length) {
      const message = 'The same groups appear in both addGroups and removeGroups.'
      errors.push({ field: 'groups', code: 'DUPLICATED_INPUT_ITEM', message, groups: both })
    }
    const deleting = userChange.kind === 'delete'
    const deactivating = userChange.isActive === false
    if (self && deleting)
      errors.push({ field: 'id', code: 'DELETE_OWN_ACCOUNT', message: 'You cannot delete your own account.' })
    if (self && deactivating) {
      errors.push({
        field: 'isActive',
        code: 'DEACTIVATE_OWN_ACCOUNT',
        message: 'You cannot deactivate your own account.',
      })
    }
    if (target.isSuperuser && deleting) {
      errors.push({ field: 'id', code: 'DELETE_SUPERUSER_ACCOUNT', message: 'A superuser cannot be deleted.' })
    }
    if (target.isSuperuser && deactivating) {
      errors.push({
        field: 'isActive',
        code: 'DEACTIVATE_SUPERUSER_ACCOUNT',
        message: 'A superuser cannot be deactivated.',
      })
    }
    if (self && removeGroups.length && groupIdsOf(before, actorId).every(id => removeGroups.includes(id))) {
      const message = 'You cannot remove yourself from your last group.'
      errors.push({ field: 'removeGroups', code: 'CANNOT_REMOVE_FROM_LAST_GROUP', message, groups: removeGroups })
    }
    const unknownGroups = [...addGroups, ...removeGroups].filter(id => !before.groups.has(id))
    if (unknownGroups.length) {
      errors.push({ field: 'groups', code: 'NOT_FOUND', message: 'Permission group not found.', groups: unknownGroups })
    }
    if (addGroups.length) joins.push({ field: 'addGroups', userIds: [target.id], report: creating ? [] : [target.id] })
    if (superuser) continue

    const willBeStaff = userChange.isStaff ?? target.isStaff
    const lacks = (permission: Permission, message: string) => {
      if (sessionHolds(session, permission)) return
      errors.push({ field: null, code: 'OUT_OF_SCOPE_PERMISSION', message, permissions: [permission] })
    }
    // escalation: a customer manager must not mint staff, a staff manager must not mint customers
    if (creating && willBeStaff) lacks('MANAGE_STAFF', 'Creating a staff user requires MANAGE_STAFF.')
    if (creating && !willBeStaff) lacks('MANAGE_USERS', 'Creating a customer requires MANAGE_USERS.')
    if (!creating && (target.isStaff || userChange.isStaff === true))
      lacks('MANAGE_STAFF', 'Managing staff requires MANAGE_STAFF.')
    if (!creating && !target.isStaff && userChange.isStaff === undefined)
      lacks('MANAGE_USERS', 'Managing customers requires MANAGE_USERS.')
    if (userChange.isSuperuser !== undefined && userChange.isSuperuser !== target.isSuperuser) {
      const message = 'Only a superuser may grant or remove superuser status.'
      errors.push({ field: 'isSuperuser', code: 'OUT_OF_SCOPE_PERMISSION', message })
    }
    if (!self && target.isStaff && widerUser(target.id)) {
      const message = "You can't manage a user with permissions or channels you don't have."
      errors.push({ field: 'id', code: 'OUT_OF_SCOPE_USER', message, users: [target.id] })
    }
    const outside = (ids: string[]) =>
      ids
        .map(id => before.groups.get(id))
        .filter((g): g is GroupState => g !== undefined && !groupWithin(g, actorPermissions, actorChannels))
        .map(g => g.id)
    const widerAdded = outside(addGroups)
    const widerGroups = [...widerAdded, ...outside(removeGroups)]
    if (widerGroups.length) {
      const message = "You can't add to or remove from groups with permissions or channels you don't have."
      errors.push({
        field: widerAdded.length ? 'addGroups' : 'removeGroups',
        code: 'OUT_OF_SCOPE_GROUP',
        message,
        groups: widerGroups,
      })
    }
  }

  const after = apply(before, change)
  for (const join of joins) {
    if (join.userIds.some(id => after.users.get(id)?.isStaff !== true)) {
      const users =
        join.field === 'addUsers' ? join.report.filter(id => after.users.get(id)?.isStaff !== true) : join.report
      const message = 'Only staff users can be members of a permission group.'
      errors.push({ field: join.field, code: 'ASSIGN_NON_STAFF_MEMBER', message, users })
    }
  }
  const stillManageable = manageablePermissions(after)
  const lost = [...manageablePermissions(before)].filter(p => !stillManageable.has(p))
  if (lost.length) {
    const message = 'After this change no active staff member with MANAGE_STAFF could manage these permissions.'
    errors.push({ field: null, code: 'LEFT_NOT_MANAGEABLE_PERMISSION', message, permissions: lost })
  }
  return errors
}

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

function groupWithin(group: GroupState, permissions: Set<Permission>, channels: Channels): boolean {
  return (
    [...group.permissions].every(p => permissions.has(p)) &&
    channelsWithin(group.restricted ? group.channelIds : 'ALL', channels)
  )
}

/** The state after the change, for the membership and manageability rules. */
function apply(before: ScopeState, change: StaffChange): ScopeState {
  const copy = (g: GroupState) => ({
    ...g,
    permissions: new Set(g.permissions),
    userIds: new Set(g.userIds),
    channelIds: new Set(g.channelIds),
  })
  const groups = new Map([...before.groups].map(([id, g]) => [id, copy(g)]))
  const users = new Map([...before.users].map(([id, u]) => [id, { ...u }]))
  for (const [index, c] of (change.groups ?? []).entries()) {
    if (c.kind === 'delete') {
      if (c.groupId) groups.delete(c.groupId)
      continue
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
  for (const [index, c] of (change.users ?? []).entries()) {
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
    if (!user) continue
    if (c.kind === 'delete') {
      users.delete(id)
      for (const g of groups.values()) g.userIds.delete(id)
      continue
    }
    if (c.isActive !== undefined) user.isActive = c.isActive
    if (c.isStaff !== undefined) user.isStaff = c.isStaff
    if (c.isSuperuser !== undefined) user.isSuperuser = c.isSuperuser
    for (const g of c.addGroups ?? []) groups.get(g)?.userIds.add(id)
    for (const g of c.removeGroups ?? []) groups.get(g)?.userIds.delete(id)
  }
  return { groups, users }
}
