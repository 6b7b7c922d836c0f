// addressUpdate: staff change an address of a customer's book, through the same service as the
// customer's own mutations; an address of a staff user's book is NOT_FOUND.
// Access: MANAGE_USERS. Effects: none beyond the address. Twin: accountAddressUpdate.
import type { BaseSchemaMeta } from '@keystone-6/core/graphql-ts'
import { g, type ArgsOf } from '../shared/g'
import { withErrorsList } from '../shared/errors'
import { requirePermission } from '../shared/guards'
import { AddressInput, cleanAddressInput } from '../shared/addressInputs'
import { addressPayload } from './addressPayload'
import { ownerOfAddress, updateAddress } from '../../services/addresses'
import { findCustomer } from '../../services/accounts'

export const addressUpdate = (base: BaseSchemaMeta) => {
  const args = { id: g.arg({ type: g.nonNull(g.ID) }), input: g.arg({ type: g.nonNull(AddressInput) }) }
  return g.field({
    type: addressPayload(base, 'AddressUpdatePayload'),
    args,
    resolve: withErrorsList(async ({ id, input }: ArgsOf<typeof args>, context) => {
      requirePermission(context, 'MANAGE_USERS')
      const customer = await findCustomer(context.sudo(), await ownerOfAddress(context.sudo(), id), 'id')
      await updateAddress(context.sudo(), { userId: customer.id, addressId: id, input: cleanAddressInput(input) })
      return { userId: customer.id, addressId: id }
    }),
  })
}
