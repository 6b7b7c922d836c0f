// The `group` of a permission-group payload, read with the caller's own access rules.
import type { BaseSchemaMeta } from '@keystone-6/core/graphql-ts'
import { g } from '../shared/g'

export function groupField<Source extends { groupId?: string }>(base: BaseSchemaMeta) {
  return g.field({
    type: base.object('PermissionGroup'),
    resolve: (source: Source, _args, context) =>
      source.groupId ? context.db.PermissionGroup.findOne({ where: { id: source.groupId } }) : null,
  })
}
