// sessionRevoke: end one live session: one of the caller's own, or, for staff, one of a user they
// manage (the staff scope rules); anything else, a malformed id and a session ended already among
// them, is NOT_FOUND. The session's access and refresh tokens and its Admin UI cookie are refused
// from the next request on, in every process.
// Access: a signed-in user, not through a customer API token. Effects: the session ended; SESSION_REVOKED event (actor: the caller) and webhook. Twin: the Admin UI's "Sign out this session" on a user's page calls this same mutation.
import { g, type ArgsOf } from '../shared/g'
import { errorsField, withErrorsList, type WithErrors } from '../shared/errors'
import { requireCredentialSession } from '../shared/guards'
import { revokeSession } from '../../services/accounts'
import type { Session } from '../../services/identity'

const args = { id: g.arg({ type: g.nonNull(g.ID) }) }

export const sessionRevoke = g.field({
  type: g.object<WithErrors>()({ name: 'SessionRevokePayload', fields: { errors: errorsField() } }),
  args,
  resolve: withErrorsList(async ({ id }: ArgsOf<typeof args>, context) => {
    requireCredentialSession(context)
    await revokeSession(context, context.session as Session, id)
    return {}
  }),
})
