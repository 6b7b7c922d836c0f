// permissionGroupDelete: delete a group the caller can manage, unless that leaves a permission unmanageable.
// Access: MANAGE_STAFF, within scope. Effects: PERMISSION_GROUP_DELETED webhook. Twin: deletePermissionGroup (generated).
import type { BaseSchemaMeta } from '@keystone-6/core/graphql-ts'
import { g, type ArgsOf } from '../shared/g'
import { permissionGroupErrorsField, withErrorsList, type WithErrors } from '../shared/errors'
import { requirePermission } from '../shared/guards'
import { deletePermissionGroup } from '../../services/staff'

type Source = WithErrors & { group?: object }

export const permissionGroupDelete = (base: BaseSchemaMeta) => {
  const args = { id: g.arg({ type: g.nonNull(g.ID) }) }
  return g.field({
    type: g.object<Source>()({
      name: 'PermissionGroupDeletePayload',
      fields: {
        // the deleted group as it was
        group: g.field({ type: base.object('PermissionGroup'), resolve: (source: Source) => source.group ?? null }),
        errors: permissionGroupErrorsField<Source>(),
      },
    }),
    args,
    resolve: withErrorsList(async ({ id }: ArgsOf<typeof args>, context) => ({
      group: await deletePermissionGroup(context.sudo(), requirePermission(context, 'MANAGE_STAFF'), id),
    })),
  })
}
