// permissionGroupUpdate: add and remove permissions, members and channels of a group the caller can manage.
// Access: MANAGE_STAFF, within scope. Effects: PERMISSION_GROUP_UPDATED webhook. Twin: updatePermissionGroup (generated).
import type { BaseSchemaMeta } from '@keystone-6/core/graphql-ts'
import { g } from '../shared/g'
import { permissionGroupErrorsField, withErrorsList, type WithErrors } from '../shared/errors'
import { requirePermission } from '../shared/guards'
import { PermissionEnum } from '../../lists/permissionEnum'
import { updatePermissionGroup } from '../../services/staff'
import { groupField } from './groupField'

const PermissionGroupChangesInput = g.inputObject({
  name: 'PermissionGroupChangesInput',
  fields: {
    name: g.arg({ type: g.String }),
    addPermissions: g.arg({ type: g.list(g.nonNull(PermissionEnum)) }),
    removePermissions: g.arg({ type: g.list(g.nonNull(PermissionEnum)) }),
    addUsers: g.arg({ type: g.list(g.nonNull(g.ID)) }),
    removeUsers: g.arg({ type: g.list(g.nonNull(g.ID)) }),
    addChannels: g.arg({ type: g.list(g.nonNull(g.ID)) }),
    removeChannels: g.arg({ type: g.list(g.nonNull(g.ID)) }),
    restrictedAccessToChannels: g.arg({ type: g.Boolean }),
  },
})

type Source = WithErrors & { groupId?: string }
type List = readonly string[] | null | undefined
type Input = {
  name?: string | null
  addPermissions?: List
  removePermissions?: List
  addUsers?: List
  removeUsers?: List
  addChannels?: List
  removeChannels?: List
  restrictedAccessToChannels?: boolean | null
}

export const permissionGroupUpdate = (base: BaseSchemaMeta) =>
  g.field({
    type: g.object<Source>()({
      name: 'PermissionGroupUpdatePayload',
      fields: { group: groupField<Source>(base), errors: permissionGroupErrorsField<Source>() },
    }),
    args: { id: g.arg({ type: g.nonNull(g.ID) }), input: g.arg({ type: g.nonNull(PermissionGroupChangesInput) }) },
    resolve: withErrorsList(async ({ id, input }: { id: string; input: Input }, context) => {
      const actor = requirePermission(context, 'MANAGE_STAFF')
      const list = (items: List) => [...(items ?? [])]
      await updatePermissionGroup(context.sudo(), actor, id, {
        name: input.name,
        addPermissions: list(input.addPermissions),
        removePermissions: list(input.removePermissions),
        addUsers: list(input.addUsers),
        removeUsers: list(input.removeUsers),
        addChannels: list(input.addChannels),
        removeChannels: list(input.removeChannels),
        restrictedAccessToChannels: input.restrictedAccessToChannels,
      })
      return { groupId: id }
    }),
  })
