// addressDelete: staff delete an address of a customer's book and answer it as it was; a default
// on it is cleared. An address of a staff user's book is NOT_FOUND.
// Access: MANAGE_USERS. Effects: CUSTOMER_UPDATED when a default is cleared. Twin: accountAddressDelete.
import type { BaseSchemaMeta } from '@keystone-6/core/graphql-ts'
import { g, type ArgsOf } from '../shared/g'
import { errorsField, withErrorsList } from '../shared/errors'
import { requirePermission } from '../shared/guards'
import { userField } from '../shared/payloads'
import { deletedAddressField } from '../shared/addressInputs'
import type { AddressPayloadSource } from './addressPayload'
import { deleteAddress, ownerOfAddress } from '../../services/addresses'
import { findCustomer } from '../../services/accounts'
import { actorIdOf, type Session } from '../../services/identity'

export const addressDelete = (base: BaseSchemaMeta) => {
  const args = { id: g.arg({ type: g.nonNull(g.ID) }) }
  return g.field({
    type: g.object<AddressPayloadSource>()({
      name: 'AddressDeletePayload',
      fields: {
        user: userField<AddressPayloadSource>(base, 'caller'),
        address: deletedAddressField<AddressPayloadSource>(base),
        errors: errorsField<AddressPayloadSource>(),
      },
    }),
    args,
    resolve: withErrorsList(async ({ id }: ArgsOf<typeof args>, context) => {
      requirePermission(context, 'MANAGE_USERS')
      const customer = await findCustomer(context.sudo(), await ownerOfAddress(context.sudo(), id), 'id')
      return {
        userId: customer.id,
        address: await deleteAddress(context.sudo(), {
          userId: customer.id,
          addressId: id,
          by: { actorId: actorIdOf(context.session as Session | undefined) },
        }),
      }
    }),
  })
}
