// updateActiveUserPassword (Openfront): change the signed-in user's password; the new one needs
// at least 10 characters and a matching confirmation. Errors are GraphQL errors with a code.
// Access: a signed-in user, not through a customer API token. Effects: as passwordChange. Twin: passwordChange.
import type { BaseSchemaMeta } from '@keystone-6/core/graphql-ts'
import { g, type ArgsOf } from '../shared/g'
import { costly } from '../../lists/costlyWork'
import { withThrownErrors } from '../shared/errors'
import { requireCredentialSession } from '../shared/guards'
import { actingAs } from '../../services/identity'
import { changePassword } from '../../services/accounts'
import { DomainError } from '../../services/kernel'
import { clientIp } from '../shared/request'

const OPENFRONT_MIN_PASSWORD_LENGTH = 10

export const updateActiveUserPassword = (base: BaseSchemaMeta) => {
  const args = {
    oldPassword: g.arg({ type: g.nonNull(g.String) }),
    newPassword: g.arg({ type: g.nonNull(g.String) }),
    confirmPassword: g.arg({ type: g.nonNull(g.String) }),
  }
  return g.field({
    type: base.object('User'),
    args,
    extensions: costly('password', 'mail'),
    resolve: withThrownErrors(async (given: ArgsOf<typeof args>, context) => {
      const userId = requireCredentialSession(context)
      if (given.newPassword !== given.confirmPassword) {
        throw new DomainError({
          field: 'confirmPassword',
          code: 'INVALID',
          message: 'The new password and its confirmation do not match.',
        })
      }
      await changePassword(context.sudo(), {
        userId,
        oldPassword: given.oldPassword,
        newPassword: given.newPassword,
        minLength: OPENFRONT_MIN_PASSWORD_LENGTH,
        ip: clientIp(context),
      })
      return (await actingAs(context, userId)).db.User.findOne({ where: { id: userId } })
    }),
  })
}
