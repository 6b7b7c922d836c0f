// customerBulkDelete: staff delete customers, at most 100 at once, all or none; never staff.
// Access: MANAGE_USERS. Effects: ACCOUNT_DELETED event, CUSTOMER_DELETED webhook, per customer.
// Twin: deleteUsers (generated).
import { g, type ArgsOf } from '../shared/g'
import { errorsField, withErrorsList, type WithErrors } from '../shared/errors'
import { requirePermission } from '../shared/guards'
import { deleteCustomers } from '../../services/accounts'

type Source = WithErrors & { count?: number }

const args = { ids: g.arg({ type: g.nonNull(g.list(g.nonNull(g.ID))) }) }

export const customerBulkDelete = g.field({
  type: g.object<Source>()({
    name: 'CustomerBulkDeletePayload',
    fields: { count: g.field({ type: g.nonNull(g.Int), resolve: s => s.count ?? 0 }), errors: errorsField<Source>() },
  }),
  args,
  resolve: withErrorsList(async ({ ids }: ArgsOf<typeof args>, context) => ({
    count: await deleteCustomers(context.sudo(), requirePermission(context, 'MANAGE_USERS'), [...ids]),
  })),
})
