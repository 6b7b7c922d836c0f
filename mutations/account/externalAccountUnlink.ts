// externalAccountUnlink: remove the caller's link to an OpenID Connect provider (its id in
// OIDC_PROVIDERS), which signs it in no more; refused with LAST_SIGN_IN_METHOD while it is the
// account's last way in (no password its PASSWORD_LOGIN_MODE allows, no passkey, no other provider).
// Access: a signed-in user in a sign-in session of its own (not a customer API token, not an impersonation). Effects: the ExternalAccount row deleted, the user's other sessions a provider signed in ended. Twin: none.
import { g, type ArgsOf } from '../shared/g'
import { errorsField, withErrorsList, type WithErrors } from '../shared/errors'
import { requireSignInSession } from '../shared/guards'
import { unlinkExternalAccount } from '../../services/accounts'

const args = { provider: g.arg({ type: g.nonNull(g.String) }) }

export const externalAccountUnlink = g.field({
  type: g.object<WithErrors>()({ name: 'ExternalAccountUnlinkPayload', fields: { errors: errorsField() } }),
  args,
  resolve: withErrorsList(async ({ provider }: ArgsOf<typeof args>, context) => {
    const userId = requireSignInSession(context)
    await unlinkExternalAccount(context.sudo(), { userId, provider, keepSessionId: context.session?.sessionId })
    return {}
  }),
})
