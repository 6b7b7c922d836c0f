// permissionGroupCreate: a new group of permissions, members and channels, none wider than the caller's.
// Access: MANAGE_STAFF, within scope. Effects: PERMISSION_GROUP_CREATED webhook. Twin: createPermissionGroup (generated).
import type { BaseSchemaMeta } from '@keystone-6/core/graphql-ts'
import { g } from '../shared/g'
import { permissionGroupErrorsField, withErrorsList, type WithErrors } from '../shared/errors'
import { requirePermission } from '../shared/guards'
import { PermissionEnum } from '../../lists/permissionEnum'
import { createPermissionGroup } from '../../services/staff'
import { groupField } from './groupField'

const PermissionGroupInput = g.inputObject({
  name: 'PermissionGroupInput',
  fields: {
    name: g.arg({ type: g.nonNull(g.String) }),
    addPermissions: g.arg({ type: g.list(g.nonNull(PermissionEnum)) }),
    addUsers: g.arg({ type: g.list(g.nonNull(g.ID)) }),
    addChannels: g.arg({ type: g.list(g.nonNull(g.ID)) }),
    restrictedAccessToChannels: g.arg({ type: g.Boolean }),
  },
})

type Source = WithErrors & { groupId?: string }
type Input = {
  name: string
  addPermissions?: readonly string[] | null
  addUsers?: readonly string[] | null
  addChannels?: readonly string[] | null
  restrictedAccessToChannels?: boolean | null
}

export const permissionGroupCreate = (base: BaseSchemaMeta) =>
  g.field({
    type: g.object<Source>()({
      name: 'PermissionGroupCreatePayload',
      fields: { group: groupField<Source>(base), errors: permissionGroupErrorsField<Source>() },
    }),
    args: { input: g.arg({ type: g.nonNull(PermissionGroupInput) }) },
    resolve: withErrorsList(async ({ input }: { input: Input }, context) => {
      const actor = requirePermission(context, 'MANAGE_STAFF')
      const groupId = await createPermissionGroup(context.sudo(), actor, {
        name: input.name,
        addPermissions: [...(input.addPermissions ?? [])],
        addUsers: [...(input.addUsers ?? [])],
        addChannels: [...(input.addChannels ?? [])],
        restrictedAccessToChannels: input.restrictedAccessToChannels,
      })
      return { groupId }
    }),
  })
