// createActiveUserAddress (Openfront): add an address to the signed-in user's book; answers the user.
// Takes the Address list's own input, but only its address fields: `user` is refused, never passed on.
// Access: a signed-in user (a customer API token too). Effects: none. Twin: accountAddressCreate.
import type { BaseSchemaMeta } from '@keystone-6/core/graphql-ts'
import { g, type ArgsOf } from '../shared/g'
import { withThrownErrors } from '../shared/errors'
import { requireUser } from '../shared/guards'
import { createAddress, pickAddressFields } from '../../services/addresses'
import { DomainError } from '../../services/kernel'

export const createActiveUserAddress = (base: BaseSchemaMeta) => {
  const args = { data: g.arg({ type: g.nonNull(base.inputObject('AddressCreateInput')) }) }
  return g.field({
    type: base.object('User'),
    args,
    resolve: withThrownErrors(async ({ data }: ArgsOf<typeof args>, context) => {
      const userId = requireUser(context)
      // WARNING: the generated input can name another owner; the owner here is always the caller
      if (data.user !== undefined)
        throw new DomainError({
          field: 'user',
          code: 'INVALID',
          message: 'An address is always added to your own book; leave out user.',
        })
      await createAddress(context.sudo(), { userId, input: pickAddressFields(data) })
      return context.db.User.findOne({ where: { id: userId } })
    }),
  })
}
