// staffBulkDelete: delete staff users, at most 100 at once, all or none, within scope; never
// oneself or a superuser, never leaving a permission unmanageable.
// Access: MANAGE_STAFF. Effects: ACCOUNT_DELETED event, STAFF_DELETED webhook, per user.
// Twin: deleteUsers (generated).
import { g } from '../shared/g'
import { staffErrorsField, withErrorsList, type WithErrors } from '../shared/errors'
import { requirePermission } from '../shared/guards'
import { deleteStaff } from '../../services/staff'

type Source = WithErrors & { count?: number }

export const staffBulkDelete = g.field({
  type: g.object<Source>()({
    name: 'StaffBulkDeletePayload',
    fields: {
      count: g.field({ type: g.nonNull(g.Int), resolve: s => s.count ?? 0 }),
      errors: staffErrorsField<Source>(),
    },
  }),
  args: { ids: g.arg({ type: g.nonNull(g.list(g.nonNull(g.ID))) }) },
  resolve: withErrorsList(async ({ ids }: { ids: readonly string[] }, context) => ({
    count: await deleteStaff(context.sudo(), requirePermission(context, 'MANAGE_STAFF'), [...ids]),
  })),
})
