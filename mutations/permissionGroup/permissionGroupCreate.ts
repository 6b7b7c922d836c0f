// permissionGroupCreate: a new group of permissions, members and channels, none wider than the caller's.
// Access: MANAGE_STAFF, within scope. Effects: PERMISSION_GROUP_CREATED webhook. Twin: createPermissionGroup (generated).
import type { BaseSchemaMeta } from '@keystone-6/core/graphql-ts'
import { g, type ArgsOf, type Assert, type InputOf, type SameKeys } from '../shared/g'
import { permissionGroupErrorsField, withErrorsList, type WithErrors } from '../shared/errors'
import { requirePermission } from '../shared/guards'
import { PermissionEnum } from '../../lists/permissionEnum'
import { createPermissionGroup, type GroupInput } from '../../services/staff'
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

// every field of this input is one the service's group change knows
type GroupFieldsKnown = Assert<
  SameKeys<Pick<GroupInput, keyof InputOf<typeof PermissionGroupInput>>, InputOf<typeof PermissionGroupInput>>
>

type Source = WithErrors & { groupId?: string }

export const permissionGroupCreate = (base: BaseSchemaMeta) => {
  const args = { input: g.arg({ type: g.nonNull(PermissionGroupInput) }) }
  return g.field({
    type: g.object<Source>()({
      name: 'PermissionGroupCreatePayload',
      fields: { group: groupField<Source>(base), errors: permissionGroupErrorsField<Source>() },
    }),
    args,
    resolve: withErrorsList(async ({ input }: ArgsOf<typeof args>, context) => {
      const actor = requirePermission(context, 'MANAGE_STAFF')
      const groupId = await createPermissionGroup(context.sudo(), actor, input)
      return { groupId }
    }),
  })
}
