// staffBulkDelete: delete staff users, at most 100 at once, all or none, within scope; never
// oneself or a superuser, never leaving a permission unmanageable.
// Access: MANAGE_STAFF. Effects: ACCOUNT_DELETED event, STAFF_DELETED webhook, per user.
// Twin: deleteUsers (generated).
import { g, type ArgsOf } from '../shared/g'
import { staffErrorsField, withErrorsList, type WithErrors } from '../shared/errors'
import { requirePermission } from '../shared/guards'
import { deleteStaff } from '../../services/staff'

type Source = WithErrors & { count?: number }

const args = { ids: g.arg({ type: g.nonNull(g.list(g.nonNull(g.ID))) }) }

export const staffBulkDelete = g.field({
  type: g.object<Source>()({
    name: 'StaffBulkDeletePayload',
    fields: {
      count: g.field({ type: g.nonNull(g.Int), resolve: s => s.count ?? 0 }),
      errors: staffErrorsField<Source>(),
    },
  }),
  args,
  resolve: withErrorsList(async ({ ids }: ArgsOf<typeof args>, context) => ({
    count: await deleteStaff(context.sudo(), requirePermission(context, 'MANAGE_STAFF'), [...ids]),
  })),
})
