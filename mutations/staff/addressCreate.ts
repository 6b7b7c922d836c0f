// addressCreate: staff add an address to a customer's book, through the same service as the
// customer's own mutations; a staff user's book is NOT_FOUND.
// Access: MANAGE_USERS. Effects: none beyond the address. Twin: accountAddressCreate.
import type { BaseSchemaMeta } from '@keystone-6/core/graphql-ts'
import { g, type ArgsOf } from '../shared/g'
import { withErrorsList } from '../shared/errors'
import { requirePermission } from '../shared/guards'
import { AddressInput, cleanAddressInput } from '../shared/addressInputs'
import { addressPayload } from './addressPayload'
import { createAddress } from '../../services/addresses'
import { findCustomer } from '../../services/accounts'

export const addressCreate = (base: BaseSchemaMeta) => {
  const args = { userId: g.arg({ type: g.nonNull(g.ID) }), input: g.arg({ type: g.nonNull(AddressInput) }) }
  return g.field({
    type: addressPayload(base, 'AddressCreatePayload'),
    args,
    resolve: withErrorsList(async ({ userId, input }: ArgsOf<typeof args>, context) => {
      requirePermission(context, 'MANAGE_USERS')
      const customer = await findCustomer(context.sudo(), userId, 'userId')
      return {
        userId: customer.id,
        addressId: await createAddress(context.sudo(), { userId: customer.id, input: cleanAddressInput(input) }),
      }
    }),
  })
}
