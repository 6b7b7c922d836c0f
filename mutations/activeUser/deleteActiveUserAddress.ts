// deleteActiveUserAddress (Openfront): delete one of the signed-in user's own addresses; answers
// the deleted address as it was. A default on it is cleared.
// Access: a signed-in user (a customer API token too). Effects: none. Twin: accountAddressDelete.
import type { BaseSchemaMeta } from '@keystone-6/core/graphql-ts'
import { g } from '../shared/g'
import { withThrownErrors } from '../shared/errors'
import { requireUser } from '../shared/guards'
import { deleteAddress } from '../../services/addresses'
import { DomainError } from '../../services/kernel'

export const deleteActiveUserAddress = (base: BaseSchemaMeta) =>
  g.field({
    type: base.object('Address'),
    args: { where: g.arg({ type: g.nonNull(base.inputObject('AddressWhereUniqueInput')) }) },
    resolve: withThrownErrors(async ({ where }: { where: { id?: string | null } }, context) => {
      const userId = requireUser(context)
      if (!where.id) throw new DomainError({ field: 'id', code: 'REQUIRED', message: 'Name the address by id.' })
      return deleteAddress(context.sudo(), { userId, addressId: where.id })
    }),
  })
