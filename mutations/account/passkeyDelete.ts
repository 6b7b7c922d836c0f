// passkeyDelete: remove one of the caller's own passkeys, which signs in no more; another user's
// passkey, or a malformed id, is NOT_FOUND.
// Access: a signed-in user in a sign-in session of its own that proved a second factor (amr mfa;
// not a customer API token, not an impersonation). Effects: the passkey deleted, the other sessions
// signed in with a passkey ended; PASSKEY_REMOVED event. Twin: none.
import { g, type ArgsOf } from '../shared/g'
import { errorsField, withErrorsList, type WithErrors } from '../shared/errors'
import { requireSignInSession } from '../shared/guards'
import { removeOwnPasskey } from '../../services/accounts'

const args = { id: g.arg({ type: g.nonNull(g.ID) }) }

export const passkeyDelete = g.field({
  type: g.object<WithErrors>()({ name: 'PasskeyDeletePayload', fields: { errors: errorsField() } }),
  args,
  resolve: withErrorsList(async ({ id }: ArgsOf<typeof args>, context) => {
    const userId = requireSignInSession(context)
    const session = context.session!
    await removeOwnPasskey(context, { userId, id, amr: session.amr ?? [], sessionId: session.sessionId! })
    return {}
  }),
})
