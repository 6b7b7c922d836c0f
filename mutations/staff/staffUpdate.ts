// staffUpdate: change a staff user's names, email, activity, note and groups, within scope.
// Access: MANAGE_STAFF. Effects: STAFF_UPDATED event and webhook. Twin: updateUser (generated).
import type { BaseSchemaMeta } from '@keystone-6/core/graphql-ts'
import { g } from '../shared/g'
import { staffErrorsField, withErrorsList, type WithErrors } from '../shared/errors'
import { requirePermission } from '../shared/guards'
import { userField } from '../shared/payloads'
import { updateStaff } from '../../services/staff'

const StaffUpdateInput = g.inputObject({
  name: 'StaffUpdateInput',
  fields: {
    email: g.arg({ type: g.String }),
    firstName: g.arg({ type: g.String }),
    lastName: g.arg({ type: g.String }),
    isActive: g.arg({ type: g.Boolean }),
    note: g.arg({ type: g.String }),
    addGroups: g.arg({ type: g.list(g.nonNull(g.ID)) }),
    removeGroups: g.arg({ type: g.list(g.nonNull(g.ID)) }),
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
  removeGroups?: readonly string[] | null
}

export const staffUpdate = (base: BaseSchemaMeta) =>
  g.field({
    type: g.object<Source>()({
      name: 'StaffUpdatePayload',
      fields: { user: userField<Source>(base, 'caller'), errors: staffErrorsField<Source>() },
    }),
    args: { id: g.arg({ type: g.nonNull(g.ID) }), input: g.arg({ type: g.nonNull(StaffUpdateInput) }) },
    resolve: withErrorsList(async ({ id, input }: { id: string; input: Input }, context) => {
      const actor = requirePermission(context, 'MANAGE_STAFF')
      await updateStaff(context.sudo(), actor, id, {
        ...input,
        addGroups: input.addGroups ? [...input.addGroups] : null,
        removeGroups: input.removeGroups ? [...input.removeGroups] : null,
      })
      return { userId: id }
    }),
  })
