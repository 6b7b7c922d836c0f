// addressSetDefault: staff make one of a customer's addresses its default shipping or billing
// address; a staff user's book, or another user's address, is NOT_FOUND.
// Access: MANAGE_USERS. Effects: CUSTOMER_UPDATED (a change of the user). Twin: accountSetDefaultAddress.
import type { BaseSchemaMeta } from '@keystone-6/core/graphql-ts'
import { g, type ArgsOf } from '../shared/g'
import { withErrorsList } from '../shared/errors'
import { requirePermission } from '../shared/guards'
import { AddressTypeEnum } from '../shared/addressInputs'
import { addressPayload } from './addressPayload'
import { setDefaultAddress } from '../../services/addresses'
import { findCustomer } from '../../services/accounts'
import { actorIdOf, type Session } from '../../services/identity'

export const addressSetDefault = (base: BaseSchemaMeta) => {
  const args = {
    addressId: g.arg({ type: g.nonNull(g.ID) }),
    type: g.arg({ type: g.nonNull(AddressTypeEnum) }),
    userId: g.arg({ type: g.nonNull(g.ID) }),
  }
  return g.field({
    type: addressPayload(base, 'AddressSetDefaultPayload'),
    args,
    resolve: withErrorsList(async ({ addressId, type, userId }: ArgsOf<typeof args>, context) => {
      requirePermission(context, 'MANAGE_USERS')
      const customer = await findCustomer(context.sudo(), userId, 'userId')
      await setDefaultAddress(context.sudo(), {
        userId: customer.id,
        addressId,
        type,
        by: { actorId: actorIdOf(context.session as Session | undefined) },
      })
      return { userId: customer.id, addressId }
    }),
  })
}
