// deleteActiveUserAddress (Openfront): delete one of the signed-in user's own addresses; answers
// the deleted address as it was. A default on it is cleared.
// Access: a signed-in user (a customer API token too). Effects: CUSTOMER_UPDATED when a default is cleared. Twin: accountAddressDelete.
import type { BaseSchemaMeta } from '@keystone-6/core/graphql-ts'
import { g, type ArgsOf } from '../shared/g'
import { withThrownErrors } from '../shared/errors'
import { requireUser } from '../shared/guards'
import { deleteAddress } from '../../services/addresses'
import { actorIdOf, type Session } from '../../services/identity'
import { DomainError } from '../../services/kernel'

export const deleteActiveUserAddress = (base: BaseSchemaMeta) => {
  const args = { where: g.arg({ type: g.nonNull(base.inputObject('AddressWhereUniqueInput')) }) }
  return g.field({
    type: base.object('Address'),
    args,
    resolve: withThrownErrors(async ({ where }: ArgsOf<typeof args>, context) => {
      const userId = requireUser(context)
      // a generated input's values are not typed by its declaration; an ID arrives as a string
      const addressId = typeof where.id === 'string' ? where.id : ''
      if (!addressId) throw new DomainError({ field: 'id', code: 'REQUIRED', message: 'Name the address by id.' })
      return deleteAddress(context.sudo(), {
        userId,
        addressId,
        by: { actorId: actorIdOf(context.session as Session | undefined) },
      })
    }),
  })
}
