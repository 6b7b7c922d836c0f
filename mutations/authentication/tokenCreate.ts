// tokenCreate: sign in with email and password; answers an access token, a refresh token (also
// set as an http-only cookie) and the CSRF token that a refresh from the cookie must present; for an
// account with TOTP enabled whose password is right, no tokens but `mfaChallenge` and MFA_REQUIRED
// (tokenCreateMfa finishes the sign-in).
// Access: anyone. Effects: a session (services/identity/userSessions.ts); lastLogin; throttling state; a device proof cookie (services/identity/deviceProof.ts). Twin: none (the Admin UI signs in with a cookie).
import type { BaseSchemaMeta } from '@keystone-6/core/graphql-ts'
import { g, type ArgsOf } from '../shared/g'
import { costly } from '../../lists/costlyWork'
import { withErrorsList } from '../shared/errors'
import { errorsWithMfaField, mfaChallengeField, orMfaChallenge, type WithMfaChallenge } from '../shared/mfaChallenge'
import { deviceProofReader, answerSignIn, signInClient, type SignedIn } from '../shared/request'
import { signedInFields, userField } from '../shared/payloads'
import { signInForTokens } from '../../services/identity'

export const tokenCreate = (base: BaseSchemaMeta) => {
  const args = {
    email: g.arg({ type: g.nonNull(g.String) }),
    password: g.arg({ type: g.nonNull(g.String) }),
  }
  return g.field({
    type: g.object<SignedIn & WithMfaChallenge>()({
      name: 'TokenCreatePayload',
      fields: {
        ...signedInFields(),
        user: userField(base),
        mfaChallenge: mfaChallengeField(),
        errors: errorsWithMfaField(),
      },
    }),
    args,
    extensions: costly('password'),
    resolve: withErrorsList(async ({ email, password }: ArgsOf<typeof args>, context) =>
      orMfaChallenge(async () => {
        const tokens = await signInForTokens(context.sudo(), {
          email,
          password,
          ...signInClient(context),
          deviceProofOf: deviceProofReader(context.req),
        })
        return answerSignIn(context, tokens)
      }),
    ),
  })
}
