// passkeyRegistrationOptions: the options a browser passes to navigator.credentials.create()
// (@simplewebauthn/browser's startRegistration) to make a passkey for the signed-in user, with a
// challenge of its own that lives 5 minutes and is spent by passkeyRegister.
// Access: a signed-in user in a sign-in session of its own (not a customer API token, not an impersonation). Effects: a PASSKEY_REGISTRATION challenge (stored hashed). Twin: none.
import { g } from '../shared/g'
import { errorsField, withErrorsList } from '../shared/errors'
import { requireSignInSession } from '../shared/guards'
import type { FieldError } from '../../services/kernel'
import { passkeyRegistrationOptions as registrationOptions } from '../../services/identity'

export const passkeyRegistrationOptions = g.field({
  type: g.object<{ options?: unknown; errors?: FieldError[] }>()({
    name: 'PasskeyRegistrationOptionsPayload',
    fields: {
      options: g.field({
        type: g.JSON,
        description: 'PublicKeyCredentialCreationOptionsJSON, for startRegistration({ optionsJSON }).',
        resolve: ({ options }) => (options ?? null) as never,
      }),
      errors: errorsField(),
    },
  }),
  resolve: withErrorsList(async (_args: object, context) => {
    const userId = requireSignInSession(context)
    return { options: await registrationOptions(context.sudo(), userId, context.session?.amr ?? []) }
  }),
})
