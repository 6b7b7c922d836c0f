// staffCreate: create a staff user, or promote the customer with this email in place (same id,
// addresses, metadata and history); with redirectUrl the staff invite mail is sent.
// Access: MANAGE_STAFF, within scope. Effects: STAFF_CREATED webhook, STAFF_SET_PASSWORD_REQUESTED
// with the invite (never ACCOUNT_SET_PASSWORD_REQUESTED); TOO_MANY_REQUESTS, nothing made, when
// staff sent that address a link under a minute ago. Twin: createUser / updateUser (generated).
import type { BaseSchemaMeta } from '@keystone-6/core/graphql-ts'
import { g, type ArgsOf } from '../shared/g'
import { costly } from '../../lists/costlyWork'
import { staffErrorsField, withErrorsList, type WithErrors } from '../shared/errors'
import { requirePermission } from '../shared/guards'
import { userField } from '../shared/payloads'
import { createStaff } from '../../services/staff'
import { StaffCreateInput } from './staffInputs'

type Source = WithErrors & { userId?: string }

export const staffCreate = (base: BaseSchemaMeta) => {
  const args = { input: g.arg({ type: g.nonNull(StaffCreateInput) }) }
  return g.field({
    type: g.object<Source>()({
      name: 'StaffCreatePayload',
      fields: { user: userField<Source>(base, 'caller'), errors: staffErrorsField<Source>() },
    }),
    args,
    extensions: costly('mail'),
    resolve: withErrorsList(async ({ input }: ArgsOf<typeof args>, context) => {
      const actor = requirePermission(context, 'MANAGE_STAFF')
      return {
        userId: await createStaff(context.sudo(), actor, input),
      }
    }),
  })
}
