// accountUpdate: the signed-in user edits its own profile (names, language, default addresses,
// public metadata). Never email, staff flags, groups or private data.
// Access: a signed-in user (a customer API token too). Effects: NAME_ASSIGNED on a name change,
// CUSTOMER_UPDATED (and CUSTOMER_METADATA_UPDATED) webhooks, as on every path
// (services/users/afterUserChange.ts). Twin: updateActiveUser.
import type { BaseSchemaMeta } from '@keystone-6/core/graphql-ts'
import { g, type ArgsOf } from '../shared/g'
import { errorsField, withErrorsList, type WithErrors } from '../shared/errors'
import { requireUser } from '../shared/guards'
import { MetadataInput, metadataFromInput, userField } from '../shared/payloads'
import { AddressInput, cleanAddressInput } from '../shared/addressInputs'
import { updateProfile } from '../../services/accounts'
import { actorIdOf, type Session } from '../../services/identity'

const AccountInput = g.inputObject({
  name: 'AccountInput',
  fields: {
    firstName: g.arg({ type: g.String }),
    lastName: g.arg({ type: g.String }),
    languageCode: g.arg({ type: g.String }),
    defaultBillingAddress: g.arg({
      type: AddressInput,
      description: 'Added to the address book and made the default billing address.',
    }),
    defaultShippingAddress: g.arg({
      type: AddressInput,
      description: 'Added to the address book and made the default shipping address.',
    }),
    metadata: g.arg({
      type: g.list(g.nonNull(MetadataInput)),
      description: 'Keys to set in the public metadata; other keys stay.',
    }),
  },
})

type Source = WithErrors & { userId?: string }

export const accountUpdate = (base: BaseSchemaMeta) => {
  const args = { input: g.arg({ type: g.nonNull(AccountInput) }) }
  return g.field({
    type: g.object<Source>()({
      name: 'AccountUpdatePayload',
      fields: { user: userField<Source>(base), errors: errorsField<Source>() },
    }),
    args,
    resolve: withErrorsList(async ({ input }: ArgsOf<typeof args>, context) => {
      const userId = requireUser(context)
      await updateProfile(context.sudo(), {
        userId,
        actorId: actorIdOf(context.session as Session | undefined),
        changes: {
          firstName: input.firstName,
          lastName: input.lastName,
          languageCode: input.languageCode,
          metadata: metadataFromInput(input.metadata),
          defaultBillingAddress: input.defaultBillingAddress
            ? cleanAddressInput(input.defaultBillingAddress)
            : undefined,
          defaultShippingAddress: input.defaultShippingAddress
            ? cleanAddressInput(input.defaultShippingAddress)
            : undefined,
        },
      })
      return { userId }
    }),
  })
}
