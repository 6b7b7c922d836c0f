// tokenCreateMfa: the second step of a password sign-in for an account with TOTP enabled: the
// challenge tokenCreate (or setPassword) answered, and a code from the authenticator app or a
// recovery code; answers tokens as tokenCreate does, for a session whose amr is pwd, otp, mfa.
// Access: anyone holding a challenge. Effects: the challenge spent (or, for a wrong code, counted:
// the fifth kills it), the code's step or the recovery code used once, throttling state, a session
// (services/identity/userSessions.ts), lastLogin, a device proof cookie; a recovery code: RECOVERY_CODE_USED event and mail. Twin: the Admin UI's sign-in page (answerMfaChallenge, kind adminCookie).
import type { BaseSchemaMeta } from '@keystone-6/core/graphql-ts'
import { g, type ArgsOf } from '../shared/g'
import { costly } from '../../lists/costlyWork'
import { errorsField, withErrorsList, type WithErrors } from '../shared/errors'
import { deviceProofReader, answerSignIn, signInClient, type SignedIn } from '../shared/request'
import { signedInFields, userField } from '../shared/payloads'
import { signInWithMfaForTokens } from '../../services/accounts'

type Source = WithErrors & SignedIn

export const tokenCreateMfa = (base: BaseSchemaMeta) => {
  const args = {
    challenge: g.arg({ type: g.nonNull(g.String), description: 'The mfaChallenge tokenCreate answered.' }),
    code: g.arg({
      type: g.nonNull(g.String),
      description: 'The 6-digit code of the authenticator app (spaces allowed), or a recovery code.',
    }),
  }
  return g.field({
    type: g.object<Source>()({
      name: 'TokenCreateMfaPayload',
      fields: {
        ...signedInFields(),
        user: userField<Source>(base),
        errors: errorsField<Source>(),
      },
    }),
    args,
    extensions: costly('mail'),
    resolve: withErrorsList(async ({ challenge, code }: ArgsOf<typeof args>, context) => {
      const tokens = await signInWithMfaForTokens(context.sudo(), {
        challenge,
        code,
        client: signInClient(context),
        deviceProofOf: deviceProofReader(context.req),
      })
      return answerSignIn(context, tokens)
    }),
  })
}
