// updateActiveUserAddress (Openfront): change one of the signed-in user's own addresses; answers the user.
// Only address fields are copied from the generated input; `user` (re-parenting) is refused.
// Access: a signed-in user (a customer API token too). Effects: none. Twin: accountAddressUpdate.
import type { BaseSchemaMeta } from '@keystone-6/core/graphql-ts'
import { g, type ArgsOf } from '../shared/g'
import { withThrownErrors } from '../shared/errors'
import { requireUser } from '../shared/guards'
import { pickAddressFields, updateAddress } from '../../services/addresses'
import { DomainError } from '../../services/kernel'

export const updateActiveUserAddress = (base: BaseSchemaMeta) => {
  const args = {
    where: g.arg({ type: g.nonNull(base.inputObject('AddressWhereUniqueInput')) }),
    data: g.arg({ type: g.nonNull(base.inputObject('AddressUpdateInput')) }),
  }
  return g.field({
    type: base.object('User'),
    args,
    resolve: withThrownErrors(async ({ where, data }: ArgsOf<typeof args>, context) => {
      const userId = requireUser(context)
      if (data.user !== undefined)
        throw new DomainError({
          field: 'user',
          code: 'INVALID',
          message: 'An address cannot be moved to another user.',
        })
      // a generated input's values are not typed by its declaration; an ID arrives as a string
      const addressId = typeof where.id === 'string' ? where.id : ''
      if (!addressId) throw new DomainError({ field: 'id', code: 'REQUIRED', message: 'Name the address by id.' })
      await updateAddress(context.sudo(), { userId, addressId, input: pickAddressFields(data) })
      return context.db.User.findOne({ where: { id: userId } })
    }),
  })
}
