// customerCreate: staff create a customer; with redirectUrl it is mailed a set-password link.
// Access: MANAGE_USERS. Effects: ACCOUNT_CREATED_FROM_STAFF event, CUSTOMER_CREATED webhook (and
// ACCOUNT_SET_PASSWORD_REQUESTED with the mail; TOO_MANY_REQUESTS, nothing made, when staff sent
// that address a link under a minute ago). Twin: createUser (generated).
import type { BaseSchemaMeta } from '@keystone-6/core/graphql-ts'
import { g, type ArgsOf } from '../shared/g'
import { costly } from '../../lists/costlyWork'
import { errorsField, withErrorsList, type WithErrors } from '../shared/errors'
import { requirePermission } from '../shared/guards'
import { userField } from '../shared/payloads'
import { CustomerInput, cleanCustomerInput } from './customerInputs'
import { createCustomer } from '../../services/accounts'

type Source = WithErrors & { userId?: string }

export const customerCreate = (base: BaseSchemaMeta) => {
  const args = { input: g.arg({ type: g.nonNull(CustomerInput) }) }
  return g.field({
    type: g.object<Source>()({
      name: 'CustomerCreatePayload',
      fields: { user: userField<Source>(base, 'caller'), errors: errorsField<Source>() },
    }),
    args,
    extensions: costly('mail'),
    resolve: withErrorsList(async ({ input }: ArgsOf<typeof args>, context) => {
      const actor = requirePermission(context, 'MANAGE_USERS')
      return { userId: await createCustomer(context.sudo(), actor, cleanCustomerInput(input)) }
    }),
  })
}
