// Permission groups (Saleor's permissionGroupCreate/Update/Delete): each change judged by
// services/staff/scope.ts and written with its webhook, in one transaction.
import type { Context } from '../../generated/keystone/types'
import type { Session } from '../identity'
import { DomainError } from '../kernel'
import { isPermission } from '../identity'
import { emitWebhookEvent } from '../messaging'
import { inTransaction } from '../kernel'
import { assertStaffChange, type GroupChange } from './scope'

export type GroupInput = {
  name?: string | null
  addPermissions?: string[] | null
  removePermissions?: string[] | null
  addUsers?: string[] | null
  removeUsers?: string[] | null
  addChannels?: string[] | null
  removeChannels?: string[] | null
  restrictedAccessToChannels?: boolean | null
}

export async function createPermissionGroup(context: Context, actor: Session, input: GroupInput): Promise<string> {
  const name = (input.name ?? '').trim()
  if (!name) throw new DomainError({ field: 'name', code: 'REQUIRED', message: 'A group needs a name.' })
  if (await context.prisma.permissionGroup.findUnique({ where: { name } }))
    throw new DomainError({ field: 'name', code: 'UNIQUE', message: 'A group with this name already exists.' })
  const change = groupChange(undefined, input)
  const id = await inTransaction(context, async tx => {
    await assertStaffChange(tx, actor, { groups: [change] })
    const group = await tx.prisma.permissionGroup.create({
      data: {
        name,
        permissions: unique(change.addPermissions),
        restrictedAccessToChannels: input.restrictedAccessToChannels ?? false,
        users: { connect: unique(change.addUsers).map(id => ({ id })) },
        accessibleChannels: { connect: unique(change.addChannels).map(id => ({ id })) },
      },
    })
    await emitWebhookEvent(tx, {
      event: 'PERMISSION_GROUP_CREATED',
      payload: { group: await groupPayload(tx, group.id) },
    })
    return group.id
  })
  return id
}

export async function updatePermissionGroup(
  context: Context,
  actor: Session,
  id: string,
  input: GroupInput,
): Promise<void> {
  const change = groupChange(id, input)
  await inTransaction(context, async tx => {
    const existing = await tx.prisma.permissionGroup.findUnique({ where: { id } })
    if (!existing) throw new DomainError({ field: 'id', code: 'NOT_FOUND', message: 'Permission group not found.' })
    const name = input.name?.trim()
    if (name && name !== existing.name && (await tx.prisma.permissionGroup.findUnique({ where: { name } }))) {
      throw new DomainError({ field: 'name', code: 'UNIQUE', message: 'A group with this name already exists.' })
    }
    await assertStaffChange(tx, actor, { groups: [change] })
    // read again under the judgement's lock: the permissions are rewritten whole
    const stored = (await tx.prisma.permissionGroup.findUniqueOrThrow({ where: { id }, select: { permissions: true } }))
      .permissions
    const current = (Array.isArray(stored) ? (stored as string[]) : []).filter(isPermission)
    const permissions = [...new Set([...current, ...unique(change.addPermissions)])].filter(
      p => !unique(change.removePermissions).includes(p),
    )
    await tx.prisma.permissionGroup.update({
      where: { id },
      data: {
        ...(name ? { name } : {}),
        permissions,
        ...(typeof input.restrictedAccessToChannels === 'boolean'
          ? { restrictedAccessToChannels: input.restrictedAccessToChannels }
          : {}),
        users: {
          connect: unique(change.addUsers).map(u => ({ id: u })),
          disconnect: unique(change.removeUsers).map(u => ({ id: u })),
        },
        accessibleChannels: {
          connect: unique(change.addChannels).map(c => ({ id: c })),
          disconnect: unique(change.removeChannels).map(c => ({ id: c })),
        },
      },
    })
    await emitWebhookEvent(tx, { event: 'PERMISSION_GROUP_UPDATED', payload: { group: await groupPayload(tx, id) } })
  })
}

export async function deletePermissionGroup(
  context: Context,
  actor: Session,
  id: string,
): Promise<{ id: string; name: string }> {
  const existing = await context.prisma.permissionGroup.findUnique({ where: { id } })
  if (!existing) throw new DomainError({ field: 'id', code: 'NOT_FOUND', message: 'Permission group not found.' })
  await inTransaction(context, async tx => {
    await assertStaffChange(tx, actor, { groups: [{ kind: 'delete', groupId: id }] })
    const payload = await groupPayload(tx, id)
    await tx.prisma.permissionGroup.delete({ where: { id } })
    await emitWebhookEvent(tx, { event: 'PERMISSION_GROUP_DELETED', payload: { group: payload } })
  })
  return existing
}

function groupChange(groupId: string | undefined, input: GroupInput): GroupChange {
  return {
    kind: groupId ? 'update' : 'create',
    groupId,
    addPermissions: input.addPermissions ?? [],
    removePermissions: input.removePermissions ?? [],
    addUsers: input.addUsers ?? [],
    removeUsers: input.removeUsers ?? [],
    addChannels: input.addChannels ?? [],
    removeChannels: input.removeChannels ?? [],
    ...(typeof input.restrictedAccessToChannels === 'boolean'
      ? { restrictedAccessToChannels: input.restrictedAccessToChannels }
      : {}),
  }
}

function unique(items: string[] | undefined): string[] {
  return [...new Set(items ?? [])]
}

async function groupPayload(context: Context, id: string) {
  const group = await context.prisma.permissionGroup.findUniqueOrThrow({
    where: { id },
    include: { users: { select: { id: true, email: true } }, accessibleChannels: { select: { id: true, slug: true } } },
  })
  return {
    id: group.id,
    name: group.name,
    permissions: group.permissions,
    restrictedAccessToChannels: group.restrictedAccessToChannels,
    users: group.users,
    channels: group.accessibleChannels,
  }
}
