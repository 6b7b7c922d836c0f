// tokenCreate: sign in with email and password; answers an access token, a refresh token (also
// set as an http-only cookie) and the CSRF token that a refresh from the cookie must present; for an
// account with TOTP enabled whose password is right, no tokens but `mfaChallenge` and MFA_REQUIRED
// (tokenCreateMfa finishes the sign-in).
// Access: anyone. Effects: a session (services/identity/userSessions.ts); lastLogin; throttling state; a device proof cookie (services/identity/deviceProof.ts). Twin: none (the Admin UI signs in with a cookie).
import type { BaseSchemaMeta } from '@keystone-6/core/graphql-ts'
import { g, type ArgsOf } from '../shared/g'
import { costly } from '../../lists/costlyWork'
import { withErrorsList } from '../shared/errors'
import type { FieldError } from '../../services/kernel'
import { errorsWithMfaField, mfaChallengeField, orMfaChallenge, type WithMfaChallenge } from '../shared/mfaChallenge'
import { deviceProofReader, setSignInCookies, signInClient } from '../shared/request'
import { userField } from '../shared/payloads'
import { signInForTokens } from '../../services/identity'

export const tokenCreate = (base: BaseSchemaMeta) => {
  const args = {
    email: g.arg({ type: g.nonNull(g.String) }),
    password: g.arg({ type: g.nonNull(g.String) }),
  }
  return g.field({
    type: g.object<
      {
        token?: string
        refreshToken?: string
        csrfToken?: string
        userId?: string
        sessionId?: string
        errors?: FieldError[]
      } & WithMfaChallenge
    >()({
      name: 'TokenCreatePayload',
      fields: {
        token: g.field({ type: g.String, description: 'JWT access token, sent as `Authorization: Bearer`.' }),
        refreshToken: g.field({ type: g.String }),
        csrfToken: g.field({
          type: g.String,
          description: 'Required by tokenRefresh when the refresh token comes from the cookie.',
        }),
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
        setSignInCookies(context, tokens)
        return {
          token: tokens.accessToken,
          refreshToken: tokens.refreshToken,
          csrfToken: tokens.csrfToken,
          userId: tokens.userId,
          sessionId: tokens.sessionId,
        }
      }),
    ),
  })
}
