// accountDelete: delete the signed-in customer's account with the token from the deletion mail.
// Access: a signed-in customer (staff are refused), not through a customer API token. Effects: ACCOUNT_DELETED event; the user,
// its addresses and tokens are removed. Twin: none.
import { g, type ArgsOf } from '../shared/g'
import { errorsField, withErrorsList, type WithErrors } from '../shared/errors'
import { requireCredentialSession } from '../shared/guards'
import { deleteAccount } from '../../services/accounts'

const args = { token: g.arg({ type: g.nonNull(g.String) }) }

export const accountDelete = g.field({
  type: g.object<WithErrors>()({ name: 'AccountDeletePayload', fields: { errors: errorsField() } }),
  args,
  resolve: withErrorsList(async ({ token }: ArgsOf<typeof args>, context) => {
    await deleteAccount(context.sudo(), { userId: requireCredentialSession(context), token })
    return {}
  }),
})
