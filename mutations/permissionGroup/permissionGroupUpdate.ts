// permissionGroupUpdate: add and remove permissions, members and channels of a group the caller can manage.
// Access: MANAGE_STAFF, within scope. Effects: PERMISSION_GROUP_UPDATED webhook. Twin: updatePermissionGroup (generated).
import type { BaseSchemaMeta } from '@keystone-6/core/graphql-ts'
import { g, type ArgsOf, type Assert, type InputOf, type SameKeys } from '../shared/g'
import { permissionGroupErrorsField, withErrorsList, type WithErrors } from '../shared/errors'
import { requirePermission } from '../shared/guards'
import { PermissionEnum } from '../../lists/permissionEnum'
import { updatePermissionGroup, type GroupInput } from '../../services/staff'
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

// the service's group change and this input name the same fields
type GroupFieldsAgree = Assert<SameKeys<InputOf<typeof PermissionGroupChangesInput>, GroupInput>>

type Source = WithErrors & { groupId?: string }

export const permissionGroupUpdate = (base: BaseSchemaMeta) => {
  const args = { id: g.arg({ type: g.nonNull(g.ID) }), input: g.arg({ type: g.nonNull(PermissionGroupChangesInput) }) }
  return g.field({
    type: g.object<Source>()({
      name: 'PermissionGroupUpdatePayload',
      fields: { group: groupField<Source>(base), errors: permissionGroupErrorsField<Source>() },
    }),
    args,
    resolve: withErrorsList(async ({ id, input }: ArgsOf<typeof args>, context) => {
      const actor = requirePermission(context, 'MANAGE_STAFF')
      await updatePermissionGroup(context.sudo(), actor, id, input)
      return { groupId: id }
    }),
  })
}
