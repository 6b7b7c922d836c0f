// accountRegister: a shopper creates its own customer account.
// Access: anyone, within the per-IP limit on account requests (TOO_MANY_REQUESTS past it).
// Effects: ACCOUNT_CREATED event, confirmation mail (or, for a taken email, a notice to its owner),
// each at most one per address per quiet period (the outbox's), and the same answer. Twin: none.
import type { BaseSchemaMeta } from '@keystone-6/core/graphql-ts'
import { g, type ArgsOf, type Assert, type InputOf, type SameKeys } from '../shared/g'
import { costly } from '../../lists/costlyWork'
import { errorsField, withErrorsList, type WithErrors } from '../shared/errors'
import { MetadataInput, metadataFromInput, userField } from '../shared/payloads'
import { clientIp } from '../shared/request'
import { registerAccount, type RegisterInput } from '../../services/accounts'
import { assertAccountRequestAllowed } from '../../services/messaging'

const AccountRegisterInput = g.inputObject({
  name: 'AccountRegisterInput',
  fields: {
    email: g.arg({ type: g.nonNull(g.String) }),
    password: g.arg({ type: g.nonNull(g.String) }),
    firstName: g.arg({ type: g.String }),
    lastName: g.arg({ type: g.String }),
    redirectUrl: g.arg({
      type: g.String,
      description: 'Where the confirmation link points; its host must be on ALLOWED_CLIENT_HOSTS.',
    }),
    languageCode: g.arg({ type: g.String }),
    metadata: g.arg({ type: g.list(g.nonNull(MetadataInput)) }),
    channel: g.arg({ type: g.String, description: 'Slug of the channel; the default channel when omitted.' }),
  },
})

// the service's registration and this input name the same fields
type RegisterFieldsAgree = Assert<SameKeys<InputOf<typeof AccountRegisterInput>, RegisterInput>>

type Source = WithErrors & { requiresConfirmation?: boolean; userId?: string }

export const accountRegister = (base: BaseSchemaMeta) => {
  const args = { input: g.arg({ type: g.nonNull(AccountRegisterInput) }) }
  return g.field({
    type: g.object<Source>()({
      name: 'AccountRegisterPayload',
      fields: {
        requiresConfirmation: g.field({ type: g.Boolean }),
        // always null: returning the account would tell a taken email from a new one
        user: userField<Source>(base),
        errors: errorsField<Source>(),
      },
    }),
    args,
    extensions: costly('password', 'mail'),
    resolve: withErrorsList(async ({ input }: ArgsOf<typeof args>, context) => {
      // counted before the email is even read: the refusal is the same for a taken and a free one
      await assertAccountRequestAllowed(context.sudo(), clientIp(context))
      const result = await registerAccount(context.sudo(), { ...input, metadata: metadataFromInput(input.metadata) })
      return { requiresConfirmation: result.requiresConfirmation }
    }),
  })
}
