// accountSetDefaultAddress: make one of the signed-in user's own addresses its default shipping or billing address.
// Access: a signed-in user (a customer API token too). Effects: CUSTOMER_UPDATED (a change of the user). Twin: none.
import type { BaseSchemaMeta } from '@keystone-6/core/graphql-ts'
import { g, type ArgsOf } from '../shared/g'
import { errorsField, withErrorsList, type WithErrors } from '../shared/errors'
import { requireUser } from '../shared/guards'
import { userField } from '../shared/payloads'
import { AddressTypeEnum } from '../shared/addressInputs'
import { setDefaultAddress } from '../../services/addresses'
import { actorIdOf, type Session } from '../../services/identity'

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
      await setDefaultAddress(context.sudo(), {
        userId,
        addressId: id,
        type,
        by: { actorId: actorIdOf(context.session as Session | undefined) },
      })
      return { userId }
    }),
  })
}
