// tokensDeactivateAll: every access and refresh token of the caller stops working at once.
// Access: a signed-in user, not through a customer API token. Effects: ends every session of the user (endSessions: a new token key, no customer API token). Twin: none.
import { g } from '../shared/g'
import { errorsField, withErrorsList, type WithErrors } from '../shared/errors'
import type { FieldError } from '../../services/kernel'
import { requireCredentialSession } from '../shared/guards'
import { endSessions } from '../../services/identity'

export const tokensDeactivateAll = g.field({
  type: g.object<WithErrors>()({ name: 'TokensDeactivateAllPayload', fields: { errors: errorsField() } }),
  resolve: withErrorsList(async (_args: object, context) => {
    await endSessions(context.sudo(), requireCredentialSession(context))
    return {}
  }),
})
