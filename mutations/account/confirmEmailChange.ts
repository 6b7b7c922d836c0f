// confirmEmailChange: finish an email change with the token mailed to the new address.
// Access: the signed-in user the token was issued to, not through a customer API token. Effects: EMAIL_CHANGED event, notice to
// the old address, every token of the user revoked. Twin: none.
import type { BaseSchemaMeta } from '@keystone-6/core/graphql-ts'
import { g, type ArgsOf } from '../shared/g'
import { costly } from '../../lists/costlyWork'
import { errorsField, withErrorsList, type WithErrors } from '../shared/errors'
import { requireCredentialSession } from '../shared/guards'
import { userField } from '../shared/payloads'
import { confirmEmailChange as confirm } from '../../services/accounts'

type Source = WithErrors & { userId?: string }

export const confirmEmailChange = (base: BaseSchemaMeta) => {
  const args = { token: g.arg({ type: g.nonNull(g.String) }), channel: g.arg({ type: g.String }) }
  return g.field({
    type: g.object<Source>()({
      name: 'ConfirmEmailChangePayload',
      fields: { user: userField<Source>(base), errors: errorsField<Source>() },
    }),
    args,
    extensions: costly('mail'),
    resolve: withErrorsList(async ({ token }: ArgsOf<typeof args>, context) => {
      const userId = requireCredentialSession(context)
      await confirm(context.sudo(), { userId, token })
      return { userId }
    }),
  })
}
