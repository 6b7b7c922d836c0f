// passwordChange: the signed-in user changes its password, proving the old one.
// Access: a signed-in user, not through a customer API token. Effects: throttling state (a wrong old password counts as a failed sign-in: proveOwnPassword); PASSWORD_CHANGED event, notice mail, every token and pending link of the
// user revoked (sign in again). Twin: updateActiveUserPassword.
import type { BaseSchemaMeta } from '@keystone-6/core/graphql-ts'
import { g, type ArgsOf } from '../shared/g'
import { costly } from '../../lists/costlyWork'
import { errorsField, withErrorsList, type WithErrors } from '../shared/errors'
import { requireCredentialSession } from '../shared/guards'
import { userField } from '../shared/payloads'
import { changePassword } from '../../services/accounts'
import { clientIp } from '../shared/request'

type Source = WithErrors & { userId?: string }

export const passwordChange = (base: BaseSchemaMeta) => {
  const args = { oldPassword: g.arg({ type: g.String }), newPassword: g.arg({ type: g.nonNull(g.String) }) }
  return g.field({
    type: g.object<Source>()({
      name: 'PasswordChangePayload',
      fields: { user: userField<Source>(base), errors: errorsField<Source>() },
    }),
    args,
    extensions: costly('password', 'mail'),
    resolve: withErrorsList(async ({ oldPassword, newPassword }: ArgsOf<typeof args>, context) => {
      const userId = requireCredentialSession(context)
      await changePassword(context.sudo(), {
        userId,
        oldPassword: oldPassword ?? '',
        newPassword,
        ip: clientIp(context),
      })
      return { userId }
    }),
  })
}
