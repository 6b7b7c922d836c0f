// The validate hooks that hold the staff scope rules (services/staff/scope.ts) on Keystone's
// generated mutations and in the Admin UI: each translates a generated input (relationship
// connect / disconnect / set) into the change the rules judge. Services that already judged a
// change write with sudo, which these hooks let through.
import type { Context } from '../generated/keystone/types'
import { DomainError } from '../services/kernel'
import { assertScopedChange, type GroupChange, type UserChange } from '../services/staff'

type RelationInput = { connect?: { id?: string }[], disconnect?: { id?: string }[], set?: { id?: string }[] } | undefined
type AddError = (message: string) => void

function ids (items: { id?: string }[] | undefined): string[] {
  return (items ?? []).map(item => item.id).filter((id): id is string => typeof id === 'string')
}

/** What a relationship input adds to and removes from the current members. */
export function relationChanges (input: unknown, current: string[]): { add: string[], remove: string[] } {
  const relation = input as RelationInput
  if (!relation) return { add: [], remove: [] }
  if (relation.set) {
    const next = ids(relation.set)
    return { add: next.filter(id => !current.includes(id)), remove: current.filter(id => !next.includes(id)) }
  }
  return { add: ids(relation.connect).filter(id => !current.includes(id)), remove: ids(relation.disconnect).filter(id => current.includes(id)) }
}

async function judge (context: Context, change: { users?: UserChange[], groups?: GroupChange[] }, addValidationError: AddError): Promise<void> {
  try {
    await assertScopedChange(context, context.session, change)
  } catch (error) {
    if (!(error instanceof DomainError)) throw error
    for (const e of error.errors) addValidationError(`${e.code}: ${e.message}`)
  }
}

export async function validateUserChange (args: {
  operation: 'update' | 'delete'
  item: { id: string, isStaff?: boolean }
  resolvedData?: Record<string, unknown>
  context: Context
  addValidationError: AddError
}): Promise<void> {
  const { context, item, resolvedData } = args
  if (context.__internal.sudo) return
  if (args.operation === 'delete') return judge(context, { users: [{ userId: item.id, delete: true }] }, args.addValidationError)
  const current = (await context.prisma.permissionGroup.findMany({ where: { users: { some: { id: item.id } } }, select: { id: true } })).map(g => g.id)
  const groups = relationChanges(resolvedData?.permissionGroups, current)
  const change: UserChange = { userId: item.id }
  if (groups.add.length) change.addGroups = groups.add
  if (groups.remove.length) change.removeGroups = groups.remove
  if (typeof resolvedData?.isActive === 'boolean') change.isActive = resolvedData.isActive
  if (typeof resolvedData?.isStaff === 'boolean') change.isStaff = resolvedData.isStaff
  // any change to another staff user is judged: a narrower manager must not reset a wider
  // user's password or email; a customer's own fields and one's own profile need no scope
  const staffTarget = (item as { isStaff?: boolean }).isStaff === true && item.id !== context.session?.itemId
  if (Object.keys(change).length === 1 && !staffTarget) return
  return judge(context, { users: [change] }, args.addValidationError)
}

export async function validatePermissionGroupChange (args: {
  operation: 'create' | 'update' | 'delete'
  item?: { id: string, permissions?: unknown, restrictedAccessToChannels?: boolean }
  resolvedData?: Record<string, unknown>
  context: Context
  addValidationError: AddError
}): Promise<void> {
  const { context, item, resolvedData } = args
  if (context.__internal.sudo) return
  if (args.operation === 'delete') return judge(context, { groups: [{ groupId: item!.id, delete: true }] }, args.addValidationError)
  const existing = item
    ? await context.prisma.permissionGroup.findUniqueOrThrow({ where: { id: item.id }, include: { users: { select: { id: true } }, accessibleChannels: { select: { id: true } } } })
    : undefined
  const before = Array.isArray(existing?.permissions) ? existing.permissions as string[] : []
  const after = Array.isArray(resolvedData?.permissions) ? resolvedData.permissions as string[] : before
  const users = relationChanges(resolvedData?.users, existing?.users.map(u => u.id) ?? [])
  const channels = relationChanges(resolvedData?.accessibleChannels, existing?.accessibleChannels.map(c => c.id) ?? [])
  const change: GroupChange = {
    groupId: existing?.id,
    addPermissions: after.filter(p => !before.includes(p)),
    removePermissions: before.filter(p => !after.includes(p)),
    addUsers: users.add,
    removeUsers: users.remove,
    addChannels: channels.add,
    removeChannels: channels.remove,
  }
  if (typeof resolvedData?.restrictedAccessToChannels === 'boolean') change.restrictedAccessToChannels = resolvedData.restrictedAccessToChannels
  return judge(context, { groups: [change] }, args.addValidationError)
}
