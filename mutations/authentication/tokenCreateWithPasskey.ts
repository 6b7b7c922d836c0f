// tokenCreateWithPasskey: sign in with a passkey, no password: an authentication response
// (@simplewebauthn/browser's startAuthentication answer to passkeyAuthenticationOptions) answers an
// access token, a refresh token (also set as an http-only cookie) and the CSRF token, as tokenCreate
// does; the session's amr is hwk + mfa.
// Access: anyone. Effects: a session (services/identity/userSessions.ts); the challenge spent; the passkey's counter and lastUsedAt; lastLogin; a device proof cookie. Twin: the Admin UI's passkey sign-in (verifyPasskeySignIn).
import type { BaseSchemaMeta } from '@keystone-6/core/graphql-ts'
import { g, type ArgsOf } from '../shared/g'
import { costly } from '../../lists/costlyWork'
import { errorsField, withErrorsList, type WithErrors } from '../shared/errors'
import { answerSignIn, signInClient, type SignedIn } from '../shared/request'
import { signedInFields, userField } from '../shared/payloads'
import { signInWithPasskeyForTokens } from '../../services/identity'

export const tokenCreateWithPasskey = (base: BaseSchemaMeta) => {
  const args = {
    response: g.arg({
      type: g.nonNull(g.JSON),
      description: 'AuthenticationResponseJSON, as startAuthentication answers.',
    }),
  }
  return g.field({
    type: g.object<SignedIn & WithErrors>()({
      name: 'TokenCreateWithPasskeyPayload',
      fields: {
        ...signedInFields(),
        user: userField(base),
        errors: errorsField(),
      },
    }),
    args,
    // a sign-in: one per request, as a password check is
    extensions: costly('password'),
    resolve: withErrorsList(async ({ response }: ArgsOf<typeof args>, context) => {
      const tokens = await signInWithPasskeyForTokens(context.sudo(), { response, ...signInClient(context) })
      return answerSignIn(context, tokens)
    }),
  })
}
