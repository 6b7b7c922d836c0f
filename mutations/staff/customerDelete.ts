// customerDelete and customerBulkDelete: staff delete customers (at most 100 at once); never staff.
// Access: MANAGE_USERS. Effects: ACCOUNT_DELETED event, CUSTOMER_DELETED webhook. Twin: deleteUser (generated).
import { g } from '../shared/g'
import { errorsField, withErrorsList, type WithErrors } from '../shared/errors'
import { requirePermission } from '../shared/guards'
import { deleteCustomers } from '../../services/accounts'

export const customerDelete = g.field({
  type: g.object<WithErrors>()({ name: 'CustomerDeletePayload', fields: { errors: errorsField() } }),
  args: { id: g.arg({ type: g.nonNull(g.ID) }) },
  resolve: withErrorsList(async ({ id }: { id: string }, context) => {
    await deleteCustomers(context.sudo(), requirePermission(context, 'MANAGE_USERS'), [id])
    return {}
  }),
})

type BulkSource = WithErrors & { count?: number }

export const customerBulkDelete = g.field({
  type: g.object<BulkSource>()({ name: 'CustomerBulkDeletePayload', fields: { count: g.field({ type: g.nonNull(g.Int), resolve: s => s.count ?? 0 }), errors: errorsField<BulkSource>() } }),
  args: { ids: g.arg({ type: g.nonNull(g.list(g.nonNull(g.ID))) }) },
  resolve: withErrorsList(async ({ ids }: { ids: readonly string[] }, context) => ({ count: await deleteCustomers(context.sudo(), requirePermission(context, 'MANAGE_USERS'), [...ids]) })),
})
