// externalObtainAccessTokens (Saleor): finish a sign-in with an OpenID Connect provider. `input` is
// JSON `{ "code", "state" }` as the provider sent them to the redirect URI (and `iss` when it sent
// one); answers tokens as tokenCreate does, for a session whose amr is ext (plus mfa when the ID
// token asserts a second factor); a user with TOTP enabled and no such assertion gets MFA_REQUIRED
// and `mfaChallenge`, which tokenCreateMfa finishes.
// Access: anyone holding a state and code. Effects: the challenge spent; a linked identity, and for a new email a new user (services/accounts/external/linkExternalIdentity.ts); staff groups from the provider; a session; lastLogin; a device proof cookie. Twin: the Admin UI's provider callback.
import type { BaseSchemaMeta } from '@keystone-6/core/graphql-ts'
import { g, type ArgsOf } from '../shared/g'
import { costly } from '../../lists/costlyWork'
import { withErrorsList } from '../shared/errors'
import { errorsWithMfaField, mfaChallengeField, orMfaChallenge, type WithMfaChallenge } from '../shared/mfaChallenge'
import { answerSignIn, signInClient, type SignedIn } from '../shared/request'
import { signedInFields, userField } from '../shared/payloads'
import { JSONString, inputFields } from '../shared/jsonString'
import { signInExternallyForTokens } from '../../services/accounts'

export const externalObtainAccessTokens = (base: BaseSchemaMeta) => {
  const args = {
    pluginId: g.arg({ type: g.nonNull(g.String) }),
    input: g.arg({ type: g.nonNull(JSONString), description: '{ "code": "…", "state": "…" }' }),
  }
  return g.field({
    type: g.object<SignedIn & WithMfaChallenge>()({
      name: 'ExternalObtainAccessTokens',
      fields: {
        ...signedInFields(),
        user: userField(base),
        mfaChallenge: mfaChallengeField(),
        errors: errorsWithMfaField(),
      },
    }),
    args,
    // a sign-in that calls the provider and may mail a new account's confirmation link: one per request
    extensions: costly('provider', 'mail'),
    resolve: withErrorsList(async ({ pluginId, input }: ArgsOf<typeof args>, context) =>
      orMfaChallenge(async () => {
        const tokens = await signInExternallyForTokens(context.sudo(), {
          pluginId,
          input: inputFields(input),
          client: signInClient(context),
        })
        return answerSignIn(context, tokens)
      }),
    ),
  })
}
