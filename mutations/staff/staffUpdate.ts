// staffUpdate: change a staff user's names, email, activity, note and groups, within scope.
// Access: MANAGE_STAFF. Effects: STAFF_UPDATED event and webhook, and the events the state shows
// (EMAIL_ASSIGNED / NAME_ASSIGNED / ACCOUNT_(DE)ACTIVATED, services/users/afterUserChange.ts).
// Twin: updateUser (generated).
import type { BaseSchemaMeta } from '@keystone-6/core/graphql-ts'
import { g, type ArgsOf } from '../shared/g'
import { staffErrorsField, withErrorsList, type WithErrors } from '../shared/errors'
import { requirePermission } from '../shared/guards'
import { userField } from '../shared/payloads'
import { updateStaff } from '../../services/staff'
import { StaffUpdateInput } from './staffInputs'

type Source = WithErrors & { userId?: string }

export const staffUpdate = (base: BaseSchemaMeta) => {
  const args = { id: g.arg({ type: g.nonNull(g.ID) }), input: g.arg({ type: g.nonNull(StaffUpdateInput) }) }
  return g.field({
    type: g.object<Source>()({
      name: 'StaffUpdatePayload',
      fields: { user: userField<Source>(base, 'caller'), errors: staffErrorsField<Source>() },
    }),
    args,
    resolve: withErrorsList(async ({ id, input }: ArgsOf<typeof args>, context) => {
      const actor = requirePermission(context, 'MANAGE_STAFF')
      await updateStaff(context.sudo(), actor, id, input)
      return { userId: id }
    }),
  })
}
