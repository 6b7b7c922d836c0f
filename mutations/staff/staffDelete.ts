// staffDelete: delete one staff user within scope; never oneself or a superuser, never leaving a
// permission unmanageable.
// Access: MANAGE_STAFF. Effects: ACCOUNT_DELETED event, STAFF_DELETED webhook. Twin: deleteUser (generated).
import { g, type ArgsOf } from '../shared/g'
import { staffErrorsField, withErrorsList, type WithErrors } from '../shared/errors'
import { requirePermission } from '../shared/guards'
import { deleteStaff } from '../../services/staff'

const args = { id: g.arg({ type: g.nonNull(g.ID) }) }

export const staffDelete = g.field({
  type: g.object<WithErrors>()({ name: 'StaffDeletePayload', fields: { errors: staffErrorsField() } }),
  args,
  resolve: withErrorsList(async ({ id }: ArgsOf<typeof args>, context) => {
    await deleteStaff(context.sudo(), requirePermission(context, 'MANAGE_STAFF'), [id])
    return {}
  }),
})
