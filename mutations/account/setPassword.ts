// setPassword: set a new password with the emailed reset token; answers tokens like tokenCreate
// (for an account with TOTP enabled, as tokenCreate does: `mfaChallenge` and MFA_REQUIRED).
// Access: anyone holding the token. Effects: PASSWORD_RESET event, every
// older token of the user revoked, the address's reset quiet period ended, every sign-in lockout
// of the account lifted, a new session, a device proof cookie. Twin: the Admin UI's reset-password page calls this same mutation.
import type { BaseSchemaMeta } from '@keystone-6/core/graphql-ts'
import { g, type ArgsOf } from '../shared/g'
import { costly } from '../../lists/costlyWork'
import { withErrorsList, type WithErrors } from '../shared/errors'
import { errorsWithMfaField, mfaChallengeField, orMfaChallenge, type WithMfaChallenge } from '../shared/mfaChallenge'
import { signedInFields, userField } from '../shared/payloads'
import { answerSignIn, signInClient, type SignedIn } from '../shared/request'
import { setPasswordWithToken } from '../../services/accounts'

type Source = WithErrors & WithMfaChallenge & SignedIn

export const setPassword = (base: BaseSchemaMeta) => {
  const args = {
    email: g.arg({ type: g.nonNull(g.String) }),
    token: g.arg({ type: g.nonNull(g.String) }),
    password: g.arg({ type: g.nonNull(g.String) }),
  }
  return g.field({
    type: g.object<Source>()({
      name: 'SetPasswordPayload',
      fields: {
        ...signedInFields(),
        user: userField<Source>(base),
        mfaChallenge: mfaChallengeField(),
        errors: errorsWithMfaField<Source>(),
      },
    }),
    args,
    extensions: costly('password'),
    resolve: withErrorsList(async (given: ArgsOf<typeof args>, context) =>
      orMfaChallenge(async () => {
        const tokens = await setPasswordWithToken(context.sudo(), { ...given, client: signInClient(context) })
        return answerSignIn(context, tokens)
      }),
    ),
  })
}
