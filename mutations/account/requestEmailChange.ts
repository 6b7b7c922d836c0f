// requestEmailChange: start changing the signed-in user's email; the password is checked again
// and the new address gets a confirmation link.
// Access: a signed-in user, not through a customer API token, within the per-IP limit on account
// requests (TOO_MANY_REQUESTS past it): each request mails an address of the caller's choosing.
// Effects: throttling state (a wrong password counts as a failed sign-in: proveOwnPassword); EMAIL_CHANGED_REQUEST event, mail to the new address: at most one per address per quiet
// period, whoever asks (the outbox's); within it the same answer and no new link. Twin: none.
import type { BaseSchemaMeta } from '@keystone-6/core/graphql-ts'
import { g, type ArgsOf } from '../shared/g'
import { costly } from '../../lists/costlyWork'
import { errorsField, withErrorsList, type WithErrors } from '../shared/errors'
import { requireCredentialSession } from '../shared/guards'
import { userField } from '../shared/payloads'
import { clientIp } from '../shared/request'
import { requestEmailChange as request } from '../../services/accounts'
import { assertAccountRequestAllowed } from '../../services/messaging'

type Source = WithErrors & { userId?: string }

export const requestEmailChange = (base: BaseSchemaMeta) => {
  const args = {
    password: g.arg({ type: g.nonNull(g.String) }),
    newEmail: g.arg({ type: g.nonNull(g.String) }),
    redirectUrl: g.arg({ type: g.nonNull(g.String) }),
    channel: g.arg({ type: g.String }),
  }
  return g.field({
    type: g.object<Source>()({
      name: 'RequestEmailChangePayload',
      fields: { user: userField<Source>(base), errors: errorsField<Source>() },
    }),
    args,
    extensions: costly('password', 'mail'),
    resolve: withErrorsList(async (given: ArgsOf<typeof args>, context) => {
      const userId = requireCredentialSession(context)
      // before the password check too: each attempt costs a hash
      await assertAccountRequestAllowed(context.sudo(), clientIp(context))
      await request(context.sudo(), { userId, ...given, ip: clientIp(context) })
      return { userId }
    }),
  })
}
