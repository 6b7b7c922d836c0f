// passkeyRegistrationOptions: the options a browser passes to navigator.credentials.create()
// (@simplewebauthn/browser's startRegistration) to make a passkey for the signed-in user, with a
// challenge of its own that lives 5 minutes and is spent by passkeyRegister.
// Access: a signed-in user, not through a customer API token. Effects: a PASSKEY_REGISTRATION challenge (stored hashed). Twin: none.
import { g } from '../shared/g'
import { errorsField, withErrorsList } from '../shared/errors'
import { requireCredentialSession } from '../shared/guards'
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
    const userId = requireCredentialSession(context)
    return { options: await registrationOptions(context.sudo(), userId) }
  }),
})
