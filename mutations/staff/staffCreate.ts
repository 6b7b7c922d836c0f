// staffCreate: create a staff user, or promote the customer with this email in place (same id,
// addresses, metadata and history); with redirectUrl the staff invite mail is sent.
// Access: MANAGE_STAFF, within scope. Effects: STAFF_CREATED webhook, STAFF_SET_PASSWORD_REQUESTED
// with the invite (never ACCOUNT_SET_PASSWORD_REQUESTED); TOO_MANY_REQUESTS, nothing made, when
// staff sent that address a link under a minute ago. Twin: createUser / updateUser (generated).
import type { BaseSchemaMeta } from '@keystone-6/core/graphql-ts'
import { g } from '../shared/g'
import { staffErrorsField, withErrorsList, type WithErrors } from '../shared/errors'
import { requirePermission } from '../shared/guards'
import { userField } from '../shared/payloads'
import { createStaff } from '../../services/staff'

const StaffCreateInput = g.inputObject({
  name: 'StaffCreateInput',
  fields: {
    email: g.arg({ type: g.String }),
    firstName: g.arg({ type: g.String }),
    lastName: g.arg({ type: g.String }),
    isActive: g.arg({ type: g.Boolean }),
    note: g.arg({ type: g.String }),
    addGroups: g.arg({ type: g.list(g.nonNull(g.ID)) }),
    redirectUrl: g.arg({ type: g.String, description: 'Where the staff invite (set password) link points.' }),
  },
})

type Source = WithErrors & { userId?: string }
type Input = {
  email?: string | null
  firstName?: string | null
  lastName?: string | null
  isActive?: boolean | null
  note?: string | null
  addGroups?: readonly string[] | null
  redirectUrl?: string | null
}

export const staffCreate = (base: BaseSchemaMeta) =>
  g.field({
    type: g.object<Source>()({
      name: 'StaffCreatePayload',
      fields: { user: userField<Source>(base, 'caller'), errors: staffErrorsField<Source>() },
    }),
    args: { input: g.arg({ type: g.nonNull(StaffCreateInput) }) },
    resolve: withErrorsList(async ({ input }: { input: Input }, context) => {
      const actor = requirePermission(context, 'MANAGE_STAFF')
      return {
        userId: await createStaff(context.sudo(), actor, {
          ...input,
          addGroups: input.addGroups ? [...input.addGroups] : null,
        }),
      }
    }),
  })
