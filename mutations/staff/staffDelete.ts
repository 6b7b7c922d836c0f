// staffDelete and staffBulkDelete: delete staff users (at most 100 at once), within scope; never
// oneself or a superuser, never leaving a permission unmanageable.
// Access: MANAGE_STAFF. Effects: ACCOUNT_DELETED event, STAFF_DELETED webhook. Twin: deleteUser (generated).
import { g } from '../shared/g'
import { staffErrorsField, withErrorsList, type WithErrors } from '../shared/errors'
import { requirePermission } from '../shared/guards'
import { deleteStaff } from '../../services/staff'

export const staffDelete = g.field({
  type: g.object<WithErrors>()({ name: 'StaffDeletePayload', fields: { errors: staffErrorsField() } }),
  args: { id: g.arg({ type: g.nonNull(g.ID) }) },
  resolve: withErrorsList(async ({ id }: { id: string }, context) => {
    await deleteStaff(context.sudo(), requirePermission(context, 'MANAGE_STAFF'), [id])
    return {}
  }),
})

type BulkSource = WithErrors & { count?: number }

export const staffBulkDelete = g.field({
  type: g.object<BulkSource>()({ name: 'StaffBulkDeletePayload', fields: { count: g.field({ type: g.nonNull(g.Int), resolve: s => s.count ?? 0 }), errors: staffErrorsField<BulkSource>() } }),
  args: { ids: g.arg({ type: g.nonNull(g.list(g.nonNull(g.ID))) }) },
  resolve: withErrorsList(async ({ ids }: { ids: readonly string[] }, context) => ({ count: await deleteStaff(context.sudo(), requirePermission(context, 'MANAGE_STAFF'), [...ids]) })),
})
