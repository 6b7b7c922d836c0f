// externalAuthenticationUrl (Saleor): where to send the shopper to sign in with an OpenID Connect
// provider. `input` is JSON `{ "redirectUri" }` (a host of ALLOWED_CLIENT_HOSTS, registered at the
// provider); `authenticationData` is JSON `{ "authorizationUrl" }` (authorization code flow with
// PKCE, its state and nonce bound to this request, API.md §10).
// Access: anyone, CHALLENGE_REQUEST_LIMIT a minute per network (as passkeyAuthenticationOptions), one per
// request (a call to the provider). Effects: an EXTERNAL_SIGN_IN challenge (5 minutes; the verifier and nonce sealed). Twin: the Admin UI's "Sign in with <provider>" (server's /auth/oidc routes).
import { g, type ArgsOf } from '../shared/g'
import { errorsField, withErrorsList, type WithErrors } from '../shared/errors'
import { JSONString, inputFields } from '../shared/jsonString'
import { clientIp } from '../shared/request'
import { costly } from '../../lists/costlyWork'
import { externalSignInUrl } from '../../services/accounts'
import { assertChallengeRequestAllowed } from '../../services/messaging'

const args = {
  pluginId: g.arg({ type: g.nonNull(g.String), description: 'The provider’s id in OIDC_PROVIDERS.' }),
  input: g.arg({ type: g.nonNull(JSONString), description: '{ "redirectUri": "…" }' }),
}

export const externalAuthenticationUrl = g.field({
  type: g.object<{ authenticationData?: unknown } & WithErrors>()({
    name: 'ExternalAuthenticationUrl',
    fields: {
      authenticationData: g.field({ type: JSONString, description: '{ "authorizationUrl": "…" }' }),
      errors: errorsField(),
    },
  }),
  args,
  extensions: costly('provider'),
  resolve: withErrorsList(async ({ pluginId, input }: ArgsOf<typeof args>, context) => {
    const { redirectUri } = inputFields(input)
    await assertChallengeRequestAllowed(context.sudo(), clientIp(context))
    const authorizationUrl = await externalSignInUrl(context.sudo(), { pluginId, redirectUri })
    return { authenticationData: { authorizationUrl } }
  }),
})
