// accountAddressCreate: add an address to the signed-in user's own book, optionally as a default.
// Access: a signed-in user (a customer API token too). Effects: CUSTOMER_UPDATED when it becomes a default. Twin: createActiveUserAddress.
import type { BaseSchemaMeta } from '@keystone-6/core/graphql-ts'
import { g, type ArgsOf } from '../shared/g'
import { errorsField, withErrorsList, type WithErrors } from '../shared/errors'
import { requireUser } from '../shared/guards'
import { userField } from '../shared/payloads'
import { AddressInput, AddressTypeEnum, addressField, cleanAddressInput } from '../shared/addressInputs'
import { createAddress } from '../../services/addresses'
import { actorIdOf, type Session } from '../../services/identity'

type Source = WithErrors & { userId?: string; addressId?: string }

export const accountAddressCreate = (base: BaseSchemaMeta) => {
  const args = { input: g.arg({ type: g.nonNull(AddressInput) }), type: g.arg({ type: AddressTypeEnum }) }
  return g.field({
    type: g.object<Source>()({
      name: 'AccountAddressCreatePayload',
      fields: { user: userField<Source>(base), address: addressField<Source>(base), errors: errorsField<Source>() },
    }),
    args,
    resolve: withErrorsList(async ({ input, type }: ArgsOf<typeof args>, context) => {
      const userId = requireUser(context)
      const addressId = await createAddress(context.sudo(), {
        userId,
        input: cleanAddressInput(input),
        setDefault: type,
        by: { actorId: actorIdOf(context.session as Session | undefined) },
      })
      return { userId, addressId }
    }),
  })
}
