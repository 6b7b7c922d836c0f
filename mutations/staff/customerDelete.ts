// customerDelete: staff delete one customer; never a staff user (NOT_FOUND).
// Access: MANAGE_USERS. Effects: ACCOUNT_DELETED event, CUSTOMER_DELETED webhook. Twin: deleteUser (generated).
import { g, type ArgsOf } from '../shared/g'
import { errorsField, withErrorsList, type WithErrors } from '../shared/errors'
import { requirePermission } from '../shared/guards'
import { deleteCustomers } from '../../services/accounts'

const args = { id: g.arg({ type: g.nonNull(g.ID) }) }

export const customerDelete = g.field({
  type: g.object<WithErrors>()({ name: 'CustomerDeletePayload', fields: { errors: errorsField() } }),
  args,
  resolve: withErrorsList(async ({ id }: ArgsOf<typeof args>, context) => {
    await deleteCustomers(context.sudo(), requirePermission(context, 'MANAGE_USERS'), [id])
    return {}
  }),
})
