// requestPasswordReset: mail a link to set a new password. Answers success for unknown emails too.
// Access: anyone. Effects: PASSWORD_RESET_LINK_SENT event and the reset mail (staff get the
// staff template), nothing within 15 minutes of an unused earlier link. Twin: none.
import { g } from '../shared/g'
import { errorsField, withErrorsList, type WithErrors } from '../shared/errors'
import { requestPasswordReset as request } from '../../services/accounts'

export const requestPasswordReset = g.field({
  type: g.object<WithErrors>()({ name: 'RequestPasswordResetPayload', fields: { errors: errorsField() } }),
  args: {
    email: g.arg({ type: g.nonNull(g.String) }),
    redirectUrl: g.arg({ type: g.nonNull(g.String) }),
    channel: g.arg({ type: g.String }),
  },
  resolve: withErrorsList(async (args: { email: string, redirectUrl: string, channel?: string | null }, context) => {
    await request(context.sudo(), args)
    return {}
  }),
})
