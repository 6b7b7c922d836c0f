// accountRequestDeletion: mail the signed-in customer a link that confirms deleting its account.
// Access: a signed-in customer (staff are refused), not through a customer API token. Effects: ACCOUNT_DELETION_REQUESTED event,
// deletion mail. Twin: none.
import { g, type ArgsOf } from '../shared/g'
import { costly } from '../../lists/costlyWork'
import { errorsField, withErrorsList, type WithErrors } from '../shared/errors'
import { requireCredentialSession } from '../shared/guards'
import { requestAccountDeletion } from '../../services/accounts'

const args = { redirectUrl: g.arg({ type: g.nonNull(g.String) }), channel: g.arg({ type: g.String }) }

export const accountRequestDeletion = g.field({
  type: g.object<WithErrors>()({ name: 'AccountRequestDeletionPayload', fields: { errors: errorsField() } }),
  args,
  extensions: costly('mail'),
  resolve: withErrorsList(async (given: ArgsOf<typeof args>, context) => {
    await requestAccountDeletion(context.sudo(), { userId: requireCredentialSession(context), ...given })
    return {}
  }),
})
