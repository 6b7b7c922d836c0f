// customerDataExport: staff take a copy of everything held about one customer, as JSON, without a
// secret; the staff notes and private metadata included. A staff id, or a customer out of the
// caller's scope, is NOT_FOUND.
// Access: MANAGE_USERS. Effects: DATA_EXPORTED event on the customer, the staff member as actor. Twin: none.
import { g, type ArgsOf } from '../shared/g'
import { costly } from '../../lists/costlyWork'
import { errorsField, withErrorsList, type WithErrors } from '../shared/errors'
import { requirePermission } from '../shared/guards'
import { JSONString } from '../shared/jsonString'
import { exportCustomerData, type AccountDataExport } from '../../services/accounts'

type Payload = WithErrors & { data?: AccountDataExport }

const args = { id: g.arg({ type: g.nonNull(g.ID) }) }

export const customerDataExport = g.field({
  type: g.object<Payload>()({
    name: 'CustomerDataExportPayload',
    fields: {
      data: g.field({ type: JSONString, description: 'Everything held about the customer, as JSON.' }),
      errors: errorsField(),
    },
  }),
  args,
  // a whole record read (one per request, as a password check or a mail: server/graphqlLimits.ts)
  extensions: costly('export'),
  resolve: withErrorsList(async ({ id }: ArgsOf<typeof args>, context) => {
    return { data: await exportCustomerData(context.sudo(), requirePermission(context, 'MANAGE_USERS'), id) }
  }),
})
