// passkeyRename: a new name for one of the caller's own passkeys (trimmed, 1 to 100 characters);
// another user's passkey, or a malformed id, is NOT_FOUND.
// Access: a signed-in user in a sign-in session of its own (not a customer API token, not an impersonation). Effects: the passkey's name. Twin: none.
import { g, type ArgsOf } from '../shared/g'
import { errorsField, withErrorsList, type WithErrors } from '../shared/errors'
import { requireSignInSession } from '../shared/guards'
import { renameOwnPasskey } from '../../services/accounts'

const args = { id: g.arg({ type: g.nonNull(g.ID) }), name: g.arg({ type: g.nonNull(g.String) }) }

export const passkeyRename = g.field({
  type: g.object<WithErrors>()({ name: 'PasskeyRenamePayload', fields: { errors: errorsField() } }),
  args,
  resolve: withErrorsList(async ({ id, name }: ArgsOf<typeof args>, context) => {
    const userId = requireSignInSession(context)
    await renameOwnPasskey(context, { userId, id, name })
    return {}
  }),
})
