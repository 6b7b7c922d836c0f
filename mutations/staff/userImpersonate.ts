// userImpersonate: staff see the storefront as a customer sees it (API.md §10): an access token of
// that customer for 15 minutes, without a refresh token, whose `act` claim names the staff member
// and whose `amr` is ["imp"]. Customers only: a staff target or oneself is IMPERSONATION_FORBIDDEN,
// a deactivated customer INACTIVE, a user out of reach (or none) NOT_FOUND; `reason` is required
// (trimmed, at most 500 characters).
// Access: IMPERSONATE_USER, in a sign-in session of the caller's own (not a customer API token, not
// an impersonation: requireSignInSession). Effects: a session of the customer (amr imp, actorId the
// caller, listed in its sessions); IMPERSONATION_STARTED event on the customer (actor: the caller;
// reason, session_id). Twin: the Admin UI's "View storefront as this customer" on a customer's page
// (admin/views/impersonate.tsx) calls this same mutation.
import { g, type ArgsOf } from '../shared/g'
import { errorsField, withErrorsList, type WithErrors } from '../shared/errors'
import { requirePermission, requireSignInSession } from '../shared/guards'
import { impersonateCustomer } from '../../services/accounts'

const args = {
  id: g.arg({ type: g.nonNull(g.ID), description: 'The customer to act as.' }),
  reason: g.arg({
    type: g.nonNull(g.String),
    description: 'Why, kept in the customer’s history (1 to 500 characters).',
  }),
}

type Source = WithErrors & { token?: string }

export const userImpersonate = g.field({
  type: g.object<Source>()({
    name: 'UserImpersonatePayload',
    fields: {
      token: g.field({
        type: g.String,
        description: 'An access token of the customer for 15 minutes, with an `act` claim; no refresh token.',
      }),
      errors: errorsField<Source>(),
    },
  }),
  args,
  resolve: withErrorsList(async ({ id, reason }: ArgsOf<typeof args>, context) => {
    requireSignInSession(context)
    const actor = requirePermission(context, 'IMPERSONATE_USER')
    const tokens = await impersonateCustomer(context, actor, { userId: id, reason })
    return { token: tokens.accessToken }
  }),
})
