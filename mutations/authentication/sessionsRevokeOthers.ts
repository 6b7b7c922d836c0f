// sessionsRevokeOthers: end every live session of the caller but the one it calls from ("sign out
// other devices"); answers how many ended.
// Access: a signed-in user, not through a customer API token. Effects: those sessions ended; one SESSION_REVOKED event and webhook when any ended. Twin: none.
import { g } from '../shared/g'
import { errorsField, withErrorsList, type WithErrors } from '../shared/errors'
import { requireCredentialSession } from '../shared/guards'
import { revokeOtherSessions } from '../../services/accounts'
import type { Session } from '../../services/identity'

type Source = WithErrors & { count?: number }

export const sessionsRevokeOthers = g.field({
  type: g.object<Source>()({
    name: 'SessionsRevokeOthersPayload',
    fields: {
      count: g.field({ type: g.Int, description: 'How many sessions ended.' }),
      errors: errorsField<Source>(),
    },
  }),
  resolve: withErrorsList(async (_args: object, context) => {
    requireCredentialSession(context)
    return { count: await revokeOtherSessions(context, context.session as Session) }
  }),
})
