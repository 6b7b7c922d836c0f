// The validate hooks that hold the staff scope rules (services/staff/scope.ts) on Keystone's
// generated mutations, in the Admin UI and on any sudo write that is not the trusted path: each
// translates a generated input (relationship connect / disconnect / set) into the change the
// one entry point judges. Only a context made by `trusted` (a module that judged the change
// itself) is let through.
import type { Context } from '../generated/keystone/types'
import { isTrusted } from '../services/kernel'
import { judgeStaffChange, type GroupChange, type StaffChange, type UserChange } from '../services/staff'
import { reportFieldErrors } from './hooks/domainErrors'

type RelationInput =
  { connect?: { id?: string }[]; disconnect?: { id?: string }[]; set?: { id?: string }[] } | undefined
type AddError = (message: string) => void
type Data = Record<string, unknown> | undefined

function ids(items: { id?: string }[] | undefined): string[] {
  return (items ?? []).map(item => item.id).filter((id): id is string => typeof id === 'string')
}

/** What a relationship input adds to and removes from the current members. */
function relationChanges(input: unknown, current: string[]): { add: string[]; remove: string[] } {
  const relation = input as RelationInput
  if (!relation) return { add: [], remove: [] }
  if (relation.set) {
    const next = ids(relation.set)
    return { add: next.filter(id => !current.includes(id)), remove: current.filter(id => !next.includes(id)) }
  }
  const add = ids(relation.connect).filter(id => !current.includes(id))
  return { add, remove: ids(relation.disconnect).filter(id => current.includes(id)) }
}

async function judge(context: Context, change: StaffChange, addValidationError: AddError): Promise<void> {
  reportFieldErrors(addValidationError, await judgeStaffChange(context, context.session, change), 'code')
}

const flag = (value: unknown) => (typeof value === 'boolean' ? value : undefined)

export async function validateUserChange(args: {
  operation: 'create' | 'update' | 'delete'
  item?: { id: string }
  resolvedData?: Data
  context: Context
  addValidationError: AddError
}): Promise<void> {
  const { context, item, resolvedData: data } = args
  if (isTrusted(context)) return
  if (args.operation === 'delete')
    return judge(context, { users: [{ kind: 'delete', userId: item!.id }] }, args.addValidationError)
  const current = item
    ? (
        await context.prisma.permissionGroup.findMany({
          where: { users: { some: { id: item.id } } },
          select: { id: true },
        })
      ).map(g => g.id)
    : []
  const groups = relationChanges(data?.permissionGroups, current)
  const change: UserChange = {
    kind: args.operation,
    userId: item?.id,
    addGroups: groups.add,
    removeGroups: groups.remove,
  }
  // Keystone fills a create's defaults in, so a new user always says whether it is staff
  for (const key of ['isStaff', 'isSuperuser', 'isActive'] as const)
    if (flag(data?.[key]) !== undefined) change[key] = flag(data?.[key])
  return judge(context, { users: [change] }, args.addValidationError)
}

export async function validatePermissionGroupChange(args: {
  operation: 'create' | 'update' | 'delete'
  item?: { id: string }
  resolvedData?: Data
  context: Context
  addValidationError: AddError
}): Promise<void> {
  const { context, item, resolvedData: data } = args
  if (isTrusted(context)) return
  if (args.operation === 'delete')
    return judge(context, { groups: [{ kind: 'delete', groupId: item!.id }] }, args.addValidationError)
  const include = { users: { select: { id: true } }, accessibleChannels: { select: { id: true } } }
  const existing = item
    ? await context.prisma.permissionGroup.findUniqueOrThrow({ where: { id: item.id }, include })
    : undefined
  const before = Array.isArray(existing?.permissions) ? (existing.permissions as string[]) : []
  const after = Array.isArray(data?.permissions) ? (data.permissions as string[]) : before
  const users = relationChanges(data?.users, existing?.users.map(u => u.id) ?? [])
  const channels = relationChanges(data?.accessibleChannels, existing?.accessibleChannels.map(c => c.id) ?? [])
  const change: GroupChange = {
    kind: args.operation,
    groupId: existing?.id,
    addPermissions: after.filter(p => !before.includes(p)),
    removePermissions: before.filter(p => !after.includes(p)),
    addUsers: users.add,
    removeUsers: users.remove,
    addChannels: channels.add,
    removeChannels: channels.remove,
    restrictedAccessToChannels: flag(data?.restrictedAccessToChannels),
  }
  return judge(context, { groups: [change] }, args.addValidationError)
}
