// confirmAccount: confirm a registration with the emailed token.
// Access: anyone holding the token. Effects: ACCOUNT_ACTIVATED event. Twin: none.
import type { BaseSchemaMeta } from '@keystone-6/core/graphql-ts'
import { g, type ArgsOf } from '../shared/g'
import { errorsField, withErrorsList, type WithErrors } from '../shared/errors'
import { userField } from '../shared/payloads'
import { confirmAccount as confirm } from '../../services/accounts'

type Source = WithErrors & { userId?: string }

export const confirmAccount = (base: BaseSchemaMeta) => {
  const args = { email: g.arg({ type: g.nonNull(g.String) }), token: g.arg({ type: g.nonNull(g.String) }) }
  return g.field({
    type: g.object<Source>()({
      name: 'ConfirmAccountPayload',
      fields: { user: userField<Source>(base), errors: errorsField<Source>() },
    }),
    args,
    resolve: withErrorsList(async ({ email, token }: ArgsOf<typeof args>, context) =>
      confirm(context.sudo(), { email, token }),
    ),
  })
}
