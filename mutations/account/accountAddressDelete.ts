// accountAddressDelete: delete one of the signed-in user's own addresses; a default on it is cleared.
// Access: a signed-in user (a customer API token too). Effects: CUSTOMER_UPDATED when a default is cleared. Twin: deleteActiveUserAddress.
import type { BaseSchemaMeta } from '@keystone-6/core/graphql-ts'
import { g, type ArgsOf } from '../shared/g'
import { errorsField, withErrorsList, type WithErrors } from '../shared/errors'
import { requireUser } from '../shared/guards'
import { userField } from '../shared/payloads'
import { deleteAddress } from '../../services/addresses'
import { actorIdOf, type Session } from '../../services/identity'
import { deletedAddressField } from '../shared/addressInputs'

type Source = WithErrors & { userId?: string; address?: object }

export const accountAddressDelete = (base: BaseSchemaMeta) => {
  const args = { id: g.arg({ type: g.nonNull(g.ID) }) }
  return g.field({
    type: g.object<Source>()({
      name: 'AccountAddressDeletePayload',
      fields: {
        user: userField<Source>(base),
        address: deletedAddressField<Source>(base),
        errors: errorsField<Source>(),
      },
    }),
    args,
    resolve: withErrorsList(async ({ id }: ArgsOf<typeof args>, context) => {
      const userId = requireUser(context)
      const address = await deleteAddress(context.sudo(), {
        userId,
        addressId: id,
        by: { actorId: actorIdOf(context.session as Session | undefined) },
      })
      return { userId, address }
    }),
  })
}
