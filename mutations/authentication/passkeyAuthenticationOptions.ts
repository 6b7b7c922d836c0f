// passkeyAuthenticationOptions: the options a browser passes to navigator.credentials.get()
// (@simplewebauthn/browser's startAuthentication) to sign in with a passkey, with a challenge that
// lives 5 minutes and is spent by tokenCreateWithPasskey. With an email or without one, and whether
// or not the email is registered, the answer has the same shape and names no credential.
// Access: anyone, CHALLENGE_REQUEST_LIMIT a minute per network (TOO_MANY_REQUESTS past it). Effects: a PASSKEY_SIGN_IN challenge (stored hashed). Twin: none.
import { g, type ArgsOf } from '../shared/g'
import { costly } from '../../lists/costlyWork'
import { errorsField, withErrorsList } from '../shared/errors'
import type { FieldError } from '../../services/kernel'
import { assertChallengeRequestAllowed } from '../../services/messaging'
import { clientIp } from '../shared/request'
import { passkeyAuthenticationOptions as authenticationOptions } from '../../services/identity'

const args = { email: g.arg({ type: g.String }) }

export const passkeyAuthenticationOptions = g.field({
  type: g.object<{ options?: unknown; errors?: FieldError[] }>()({
    name: 'PasskeyAuthenticationOptionsPayload',
    fields: {
      options: g.field({
        type: g.JSON,
        description: 'PublicKeyCredentialRequestOptionsJSON, for startAuthentication({ optionsJSON }).',
        resolve: ({ options }) => (options ?? null) as never,
      }),
      errors: errorsField(),
    },
  }),
  args,
  // a sign-in's first step, writing a challenge: one per request, as a sign-in is
  extensions: costly('password'),
  resolve: withErrorsList(async ({ email }: ArgsOf<typeof args>, context) => {
    await assertChallengeRequestAllowed(context.sudo(), clientIp(context))
    return { options: await authenticationOptions(context.sudo(), { email }) }
  }),
})
