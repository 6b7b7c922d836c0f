// customerUpdate: staff update a customer, its email included (EMAIL_ASSIGNED); never a staff user.
// Access: MANAGE_USERS. Effects: EMAIL_ASSIGNED / NAME_ASSIGNED / ACCOUNT_(DE)ACTIVATED events as the
// state shows them (services/users/afterUserChange.ts) and NOTE_ADDED, CUSTOMER_UPDATED webhook (and
// CUSTOMER_METADATA_UPDATED when metadata changed). Twin: updateUser (generated), with the same effects.
import type { BaseSchemaMeta } from '@keystone-6/core/graphql-ts'
import { g, type ArgsOf } from '../shared/g'
import { errorsField, withErrorsList, type WithErrors } from '../shared/errors'
import { requirePermission } from '../shared/guards'
import { userField } from '../shared/payloads'
import { CustomerInput, cleanCustomerInput } from './customerInputs'
import { updateCustomer } from '../../services/accounts'

type Source = WithErrors & { userId?: string }

export const customerUpdate = (base: BaseSchemaMeta) => {
  const args = { id: g.arg({ type: g.nonNull(g.ID) }), input: g.arg({ type: g.nonNull(CustomerInput) }) }
  return g.field({
    type: g.object<Source>()({
      name: 'CustomerUpdatePayload',
      fields: { user: userField<Source>(base, 'caller'), errors: errorsField<Source>() },
    }),
    args,
    resolve: withErrorsList(async ({ id, input }: ArgsOf<typeof args>, context) => {
      const actor = requirePermission(context, 'MANAGE_USERS')
      await updateCustomer(context.sudo(), actor, id, cleanCustomerInput(input))
      return { userId: id }
    }),
  })
}
