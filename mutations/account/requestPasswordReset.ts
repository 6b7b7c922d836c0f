// requestPasswordReset: mail a link to set a new password. Answers success for unknown emails too.
// Access: anyone, within the per-IP limit on account requests (TOO_MANY_REQUESTS past it).
// Effects: PASSWORD_RESET_LINK_SENT event and the reset mail (staff get the staff template),
// nothing within the address's 15-minute quiet period (the outbox's; setPassword ends it). Twin: none.
import { g, type ArgsOf } from '../shared/g'
import { costly } from '../../lists/costlyWork'
import { errorsField, withErrorsList, type WithErrors } from '../shared/errors'
import { clientIp } from '../shared/request'
import { requestPasswordReset as request } from '../../services/accounts'
import { assertAccountRequestAllowed } from '../../services/messaging'

const args = {
  email: g.arg({ type: g.nonNull(g.String) }),
  redirectUrl: g.arg({ type: g.nonNull(g.String) }),
  channel: g.arg({ type: g.String }),
}

export const requestPasswordReset = g.field({
  type: g.object<WithErrors>()({ name: 'RequestPasswordResetPayload', fields: { errors: errorsField() } }),
  args,
  extensions: costly('mail'),
  resolve: withErrorsList(async (given: ArgsOf<typeof args>, context) => {
    // counted before the email is even read: the refusal is the same for a known and an unknown one
    await assertAccountRequestAllowed(context.sudo(), clientIp(context))
    await request(context.sudo(), given)
    return {}
  }),
})
