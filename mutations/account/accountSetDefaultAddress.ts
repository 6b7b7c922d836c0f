// accountSetDefaultAddress: make one of the signed-in user's own addresses its default shipping or billing address.
// Access: a signed-in user (a customer API token too). Effects: none. Twin: none.
import type { BaseSchemaMeta } from '@keystone-6/core/graphql-ts'
import { g, type ArgsOf } from '../shared/g'
import { errorsField, withErrorsList, type WithErrors } from '../shared/errors'
import { requireUser } from '../shared/guards'
import { userField } from '../shared/payloads'
import { AddressTypeEnum } from '../shared/addressInputs'
import { setDefaultAddress } from '../../services/addresses'

type Source = WithErrors & { userId?: string }

export const accountSetDefaultAddress = (base: BaseSchemaMeta) => {
  const args = { id: g.arg({ type: g.nonNull(g.ID) }), type: g.arg({ type: g.nonNull(AddressTypeEnum) }) }
  return g.field({
    type: g.object<Source>()({
      name: 'AccountSetDefaultAddressPayload',
      fields: { user: userField<Source>(base), errors: errorsField<Source>() },
    }),
    args,
    resolve: withErrorsList(async ({ id, type }: ArgsOf<typeof args>, context) => {
      const userId = requireUser(context)
      await setDefaultAddress(context.sudo(), { userId, addressId: id, type })
      return { userId }
    }),
  })
}
