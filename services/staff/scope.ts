// What an actor may grant, as Saleor rules it, for every path that changes staff or permission
// groups: the staff and permission-group mutations, and the validate hooks of lists/User.ts and
// lists/PermissionGroup.ts (so Keystone's generated mutations and the Admin UI obey it too).
//
// A change is judged on the state before and after it. Nobody grants, removes or edits a
// permission, group, user or channel wider than what they hold (superusers pass these scope
// checks); no change may leave a permission that no active MANAGE_STAFF holder can manage;
// nobody removes themselves from their last group, or deactivates or deletes their own account;
// superusers are never deactivated or deleted; add and remove lists must not overlap; only staff
// join groups.
import type { Context } from '../../generated/keystone/types'
import { isSuperuserSession, sessionHolds, type Session } from '../identity'
import { DomainError, type FieldError } from '../kernel'
import { PERMISSIONS, isPermission, type Permission } from '../identity'

type GroupState = { id: string, name: string, permissions: Set<Permission>, userIds: Set<string>, restricted: boolean, channelIds: Set<string> }
type UserState = { id: string, email: string, isActive: boolean, isStaff: boolean, isSuperuser: boolean, isConfirmed?: boolean }
export type ScopeState = { groups: Map<string, GroupState>, users: Map<string, UserState> }

export type GroupChange = {
  groupId?: string // absent: a new group
  delete?: boolean
  addPermissions?: string[]
  removePermissions?: string[]
  addUsers?: string[]
  removeUsers?: string[]
  addChannels?: string[]
  removeChannels?: string[]
  restrictedAccessToChannels?: boolean
}

export type UserChange = {
  userId: string
  isNew?: boolean // a user this change creates (userId is then only a placeholder)
  addGroups?: string[]
  removeGroups?: string[]
  isActive?: boolean
  isStaff?: boolean
  delete?: boolean
}

export type ScopeChange = { groups?: GroupChange[], users?: UserChange[] }

const NEW_GROUP = '__new__'

/** Load what the rules look at: every permission group and every staff user (a small set). */
export async function loadScopeState (context: Context, extraUserIds: string[] = []): Promise<ScopeState> {
  const [groups, users] = await Promise.all([
    context.prisma.permissionGroup.findMany({ include: { users: { select: { id: true } }, accessibleChannels: { select: { id: true } } } }),
    context.prisma.user.findMany({ where: { OR: [{ isStaff: true }, { id: { in: extraUserIds } }] }, select: { id: true, email: true, isActive: true, isStaff: true, isSuperuser: true, isConfirmed: true } }),
  ])
  return {
    groups: new Map(groups.map(g => [g.id, {
      id: g.id,
      name: g.name,
      permissions: new Set((Array.isArray(g.permissions) ? g.permissions : []).filter(isPermission)),
      userIds: new Set(g.users.map(u => u.id)),
      restricted: g.restrictedAccessToChannels,
      channelIds: new Set(g.accessibleChannels.map(c => c.id)),
    }])),
    users: new Map(users.map(u => [u.id, u])),
  }
}

/** Load the state, judge the change for this actor, and throw one DomainError with every problem. */
export async function assertScopedChange (context: Context, actorSession: Session | undefined, change: ScopeChange): Promise<void> {
  const userIds = [...(change.users ?? []).map(u => u.userId), ...(change.groups ?? []).flatMap(g => [...(g.addUsers ?? []), ...(g.removeUsers ?? [])])]
  const state = await loadScopeState(context, userIds)
  const problems = scopeProblems(state, actorSession, change)
  if (problems.length) throw new DomainError(problems)
}

/** Every rule, on a loaded state: pure, so each rule is tested as a plain function. */
export function scopeProblems (before: ScopeState, session: Session | undefined, change: ScopeChange): FieldError[] {
  const errors: FieldError[] = []
  const actorId = session?.itemId ?? ''
  const superuser = isSuperuserSession(session)
  const actorPermissions = permissionsOf(before, actorId)
  const actorChannels = channelsOf(before, actorId)
  const wider = (permissions: Iterable<Permission>) => [...permissions].filter(p => !actorPermissions.has(p))

  for (const groupChange of change.groups ?? []) {
    for (const [field, add, remove] of [['permissions', groupChange.addPermissions, groupChange.removePermissions], ['users', groupChange.addUsers, groupChange.removeUsers], ['channels', groupChange.addChannels, groupChange.removeChannels]] as const) {
      const both = (add ?? []).filter(item => (remove ?? []).includes(item))
      if (both.length) errors.push({ field, code: 'DUPLICATED_INPUT_ITEM', message: `The same ${field} appear in both the add and remove lists.`, [field]: both })
    }
    const unknown = [...(groupChange.addPermissions ?? []), ...(groupChange.removePermissions ?? [])].filter(p => !isPermission(p))
    if (unknown.length) errors.push({ field: 'permissions', code: 'INVALID', message: 'Unknown permissions.', permissions: unknown })
    const group = groupChange.groupId ? before.groups.get(groupChange.groupId) : undefined
    if (groupChange.groupId && !group) {
      errors.push({ field: 'id', code: 'NOT_FOUND', message: 'Permission group not found.' })
      continue
    }
    const nonStaff = (groupChange.addUsers ?? []).filter(id => before.users.get(id)?.isStaff !== true)
    if (nonStaff.length) errors.push({ field: 'addUsers', code: 'ASSIGN_NON_STAFF_MEMBER', message: 'Only staff users can be members of a permission group.', users: nonStaff })
    if (groupChange.removeUsers?.includes(actorId) && group && groupsOf(before, actorId).length === 1) {
      errors.push({ field: 'removeUsers', code: 'CANNOT_REMOVE_FROM_LAST_GROUP', message: 'You cannot remove yourself from your last group.', users: [actorId] })
    }
    if (superuser) continue
    if (!sessionHolds(session, 'MANAGE_STAFF')) errors.push({ field: null, code: 'OUT_OF_SCOPE_PERMISSION', message: 'Managing permission groups requires MANAGE_STAFF.', permissions: ['MANAGE_STAFF'] })
    if (group && !groupWithin(group, actorPermissions, actorChannels)) {
      errors.push({ field: null, code: 'OUT_OF_SCOPE_GROUP', message: 'You can\'t manage a group with permissions or channels you don\'t have.', groups: [group.id] })
    }
    const addedPermissions = (groupChange.addPermissions ?? []).filter(isPermission)
    const removedPermissions = (groupChange.removePermissions ?? []).filter(isPermission)
    const outOfScope = wider([...addedPermissions, ...removedPermissions])
    // errors name the input field that carried the offending items, as Saleor's do
    if (outOfScope.length) errors.push({ field: wider(addedPermissions).length ? 'addPermissions' : 'removePermissions', code: 'OUT_OF_SCOPE_PERMISSION', message: 'You can\'t grant or remove permissions you don\'t have.', permissions: outOfScope })
    const touchedUsers = [...(groupChange.addUsers ?? []), ...(groupChange.removeUsers ?? [])].filter(id => before.users.get(id)?.isStaff)
    const widerUsers = touchedUsers.filter(id => wider(permissionsOf(before, id)).length > 0 || !channelsWithin(channelsOf(before, id), actorChannels))
    if (widerUsers.length) errors.push({ field: 'users', code: 'OUT_OF_SCOPE_USER', message: 'You can\'t manage users with permissions or channels you don\'t have.', users: widerUsers })
    const touchedChannels = [...(groupChange.addChannels ?? []), ...(groupChange.removeChannels ?? [])]
    const outsideChannels = actorChannels === 'ALL' ? [] : touchedChannels.filter(id => !actorChannels.has(id))
    const opensChannels = groupChange.restrictedAccessToChannels === false || (!groupChange.groupId && groupChange.restrictedAccessToChannels !== true)
    if (outsideChannels.length || (opensChannels && actorChannels !== 'ALL')) {
      errors.push({ field: 'channels', code: 'OUT_OF_SCOPE_CHANNEL', message: 'You can\'t grant access to channels you don\'t have.', channels: outsideChannels })
    }
  }

  for (const userChange of change.users ?? []) {
    const target = before.users.get(userChange.userId) ?? (userChange.isNew ? { id: userChange.userId, email: '', isActive: true, isStaff: false, isSuperuser: false, isConfirmed: true } : undefined)
    if (!target) continue
    const self = userChange.userId === actorId
    const both = (userChange.addGroups ?? []).filter(id => (userChange.removeGroups ?? []).includes(id))
    if (both.length) errors.push({ field: 'groups', code: 'DUPLICATED_INPUT_ITEM', message: 'The same groups appear in both addGroups and removeGroups.', groups: both })
    if (self && userChange.delete) errors.push({ field: 'id', code: 'DELETE_OWN_ACCOUNT', message: 'You cannot delete your own account.' })
    if (self && userChange.isActive === false) errors.push({ field: 'isActive', code: 'DEACTIVATE_OWN_ACCOUNT', message: 'You cannot deactivate your own account.' })
    if (target.isSuperuser && userChange.delete) errors.push({ field: 'id', code: 'DELETE_SUPERUSER_ACCOUNT', message: 'A superuser cannot be deleted.' })
    if (target.isSuperuser && userChange.isActive === false) errors.push({ field: 'isActive', code: 'DEACTIVATE_SUPERUSER_ACCOUNT', message: 'A superuser cannot be deactivated.' })
    if (self && (userChange.removeGroups ?? []).length && groupsOf(before, actorId).every(id => userChange.removeGroups!.includes(id))) {
      errors.push({ field: 'removeGroups', code: 'CANNOT_REMOVE_FROM_LAST_GROUP', message: 'You cannot remove yourself from your last group.', groups: userChange.removeGroups })
    }
    const unknownGroups = [...(userChange.addGroups ?? []), ...(userChange.removeGroups ?? [])].filter(id => !before.groups.has(id))
    if (unknownGroups.length) errors.push({ field: 'groups', code: 'NOT_FOUND', message: 'Permission group not found.', groups: unknownGroups })
    if ((userChange.addGroups ?? []).length && !(userChange.isStaff ?? target.isStaff)) {
      errors.push({ field: 'addGroups', code: 'ASSIGN_NON_STAFF_MEMBER', message: 'Only staff users can be members of a permission group.', users: [target.id] })
    }
    if (superuser) continue
    const staffTarget = target.isStaff || userChange.isStaff === true
    if (staffTarget && !sessionHolds(session, 'MANAGE_STAFF')) errors.push({ field: null, code: 'OUT_OF_SCOPE_PERMISSION', message: 'Managing staff requires MANAGE_STAFF.', permissions: ['MANAGE_STAFF'] })
    if (!target.isStaff && userChange.isStaff === undefined && !sessionHolds(session, 'MANAGE_USERS')) errors.push({ field: null, code: 'OUT_OF_SCOPE_PERMISSION', message: 'Managing customers requires MANAGE_USERS.', permissions: ['MANAGE_USERS'] })
    if (!self && target.isStaff && (wider(permissionsOf(before, target.id)).length || !channelsWithin(channelsOf(before, target.id), actorChannels))) {
      errors.push({ field: 'id', code: 'OUT_OF_SCOPE_USER', message: 'You can\'t manage a user with permissions or channels you don\'t have.', users: [target.id] })
    }
    const outside = (ids: string[] | undefined) => (ids ?? []).map(id => before.groups.get(id))
      .filter((g): g is GroupState => Boolean(g) && !groupWithin(g!, actorPermissions, actorChannels)).map(g => g.id)
    const widerAdded = outside(userChange.addGroups)
    const widerGroups = [...widerAdded, ...outside(userChange.removeGroups)]
    if (widerGroups.length) errors.push({ field: widerAdded.length ? 'addGroups' : 'removeGroups', code: 'OUT_OF_SCOPE_GROUP', message: 'You can\'t add to or remove from groups with permissions or channels you don\'t have.', groups: widerGroups })
  }

  const lost = [...manageablePermissions(before)].filter(p => !manageablePermissions(apply(before, change)).has(p))
  if (lost.length) {
    errors.push({ field: null, code: 'LEFT_NOT_MANAGEABLE_PERMISSION', message: 'After this change no active staff member with MANAGE_STAFF could manage these permissions.', permissions: lost })
  }
  return errors
}

/** Groups among these that the actor may not hand out (for a user created with groups). */
export async function groupsOutOfScope (context: Context, session: Session | undefined, groupIds: string[]): Promise<string[]> {
  if (isSuperuserSession(session) || groupIds.length === 0) return []
  const state = await loadScopeState(context)
  const permissions = permissionsOf(state, session?.itemId ?? '')
  const channels = channelsOf(state, session?.itemId ?? '')
  return groupIds.filter(id => {
    const group = state.groups.get(id)
    return !group || !groupWithin(group, permissions, channels)
  })
}

/** The same permissions Keystone derives for a session, computed on a (possibly future) state. */
export function permissionsOf (state: ScopeState, userId: string): Set<Permission> {
  const user = state.users.get(userId)
  if (!user || !user.isActive || !user.isStaff || user.isConfirmed === false) return new Set()
  if (user.isSuperuser) return new Set(PERMISSIONS)
  const held = new Set<Permission>()
  for (const group of state.groups.values()) if (group.userIds.has(userId)) for (const p of group.permissions) held.add(p)
  return held
}

// permissions some active member of a MANAGE_STAFF group also holds; superusers do not count
// (as in Saleor): they are not granted by groups and cannot be relied on to stay
function manageablePermissions (state: ScopeState): Set<Permission> {
  const manageable = new Set<Permission>()
  for (const user of state.users.values()) {
    if (!user.isActive || !user.isStaff || user.isConfirmed === false) continue
    const held = new Set<Permission>()
    for (const group of state.groups.values()) if (group.userIds.has(user.id)) for (const p of group.permissions) held.add(p)
    if (held.has('MANAGE_STAFF')) for (const p of held) manageable.add(p)
  }
  return manageable
}

function channelsOf (state: ScopeState, userId: string): Set<string> | 'ALL' {
  const user = state.users.get(userId)
  if (user?.isSuperuser) return 'ALL'
  const groups = [...state.groups.values()].filter(g => g.userIds.has(userId))
  if (groups.some(g => !g.restricted)) return 'ALL'
  return new Set(groups.flatMap(g => [...g.channelIds]))
}

function channelsWithin (channels: Set<string> | 'ALL', scope: Set<string> | 'ALL'): boolean {
  if (scope === 'ALL') return true
  if (channels === 'ALL') return false
  return [...channels].every(id => scope.has(id))
}

function groupWithin (group: GroupState, permissions: Set<Permission>, channels: Set<string> | 'ALL'): boolean {
  return [...group.permissions].every(p => permissions.has(p)) && channelsWithin(group.restricted ? group.channelIds : 'ALL', channels)
}

function groupsOf (state: ScopeState, userId: string): string[] {
  return [...state.groups.values()].filter(g => g.userIds.has(userId)).map(g => g.id)
}

/** The state after the change, for the manageability rule. */
function apply (before: ScopeState, change: ScopeChange): ScopeState {
  const groups = new Map([...before.groups].map(([id, g]) => [id, { ...g, permissions: new Set(g.permissions), userIds: new Set(g.userIds), channelIds: new Set(g.channelIds) }]))
  const users = new Map([...before.users].map(([id, u]) => [id, { ...u }]))
  for (const c of change.groups ?? []) {
    if (c.delete && c.groupId) { groups.delete(c.groupId); continue }
    const id = c.groupId ?? NEW_GROUP
    const group = groups.get(id) ?? { id, name: id, permissions: new Set<Permission>(), userIds: new Set<string>(), restricted: false, channelIds: new Set<string>() }
    for (const p of c.addPermissions ?? []) if (isPermission(p)) group.permissions.add(p)
    for (const p of c.removePermissions ?? []) if (isPermission(p)) group.permissions.delete(p)
    for (const u of c.addUsers ?? []) group.userIds.add(u)
    for (const u of c.removeUsers ?? []) group.userIds.delete(u)
    groups.set(id, group)
  }
  for (const c of change.users ?? []) {
    const user = users.get(c.userId)
    if (!user) continue
    if (c.delete) { users.delete(c.userId); for (const g of groups.values()) g.userIds.delete(c.userId); continue }
    if (c.isActive !== undefined) user.isActive = c.isActive
    if (c.isStaff !== undefined) user.isStaff = c.isStaff
    for (const id of c.addGroups ?? []) groups.get(id)?.userIds.add(c.userId)
    for (const id of c.removeGroups ?? []) groups.get(id)?.userIds.delete(c.userId)
  }
  return { groups, users }
}

/** Kept for the create hook of lists/User.ts: who may create which kind of user. */
export function userRoleProblems ({ session, operation, item, data }: {
  session?: Session
  operation: 'create' | 'update'
  item?: { id: unknown, isStaff?: unknown, isSuperuser?: unknown }
  data: { isStaff?: unknown, isSuperuser?: unknown }
}): string[] {
  if (isSuperuserSession(session)) return []
  const problems: string[] = []
  const wasStaff = item?.isStaff === true
  const willBeStaff = data.isStaff === undefined ? wasStaff : data.isStaff === true
  if (operation === 'create') {
    // escalation: a customer manager must not mint staff, a staff manager must not mint customers
    if (willBeStaff && !sessionHolds(session, 'MANAGE_STAFF')) problems.push('Creating a staff user requires MANAGE_STAFF.')
    if (!willBeStaff && !sessionHolds(session, 'MANAGE_USERS')) problems.push('Creating a customer requires MANAGE_USERS.')
  } else if (wasStaff !== willBeStaff && !sessionHolds(session, 'MANAGE_STAFF')) {
    problems.push('Changing whether a user is staff requires MANAGE_STAFF.')
  }
  const wasSuperuser = item?.isSuperuser === true
  if (data.isSuperuser !== undefined && (data.isSuperuser === true) !== wasSuperuser) {
    problems.push('Only a superuser may grant or remove superuser status.')
  }
  return problems
}
