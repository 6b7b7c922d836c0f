// accountAddressUpdate: change one of the signed-in user's own addresses; another user's is NOT_FOUND.
// Access: a signed-in user (a customer API token too). Effects: none. Twin: updateActiveUserAddress.
import type { BaseSchemaMeta } from '@keystone-6/core/graphql-ts'
import { g, type ArgsOf } from '../shared/g'
import { errorsField, withErrorsList, type WithErrors } from '../shared/errors'
import { requireUser } from '../shared/guards'
import { userField } from '../shared/payloads'
import { AddressInput, addressField, cleanAddressInput } from '../shared/addressInputs'
import { updateAddress } from '../../services/addresses'

type Source = WithErrors & { userId?: string; addressId?: string }

export const accountAddressUpdate = (base: BaseSchemaMeta) => {
  const args = { id: g.arg({ type: g.nonNull(g.ID) }), input: g.arg({ type: g.nonNull(AddressInput) }) }
  return g.field({
    type: g.object<Source>()({
      name: 'AccountAddressUpdatePayload',
      fields: { user: userField<Source>(base), address: addressField<Source>(base), errors: errorsField<Source>() },
    }),
    args,
    resolve: withErrorsList(async ({ id, input }: ArgsOf<typeof args>, context) => {
      const userId = requireUser(context)
      await updateAddress(context.sudo(), { userId, addressId: id, input: cleanAddressInput(input) })
      return { userId, addressId: id }
    }),
  })
}
