// passkeyRegister: store the passkey a registration response (@simplewebauthn/browser's
// startRegistration answer to passkeyRegistrationOptions) proves, for the signed-in user.
// Access: a signed-in user in a sign-in session of its own (not a customer API token, not an impersonation). Effects: the passkey; its challenge spent; PASSKEY_ADDED event; PASSKEY_ADDED mail to the user. Twin: none.
import { g, type ArgsOf } from '../shared/g'
import { costly } from '../../lists/costlyWork'
import { PasskeyType } from '../../lists/passkeysField'
import { errorsField, withErrorsList } from '../shared/errors'
import { requireSignInSession } from '../shared/guards'
import type { FieldError } from '../../services/kernel'
import type { PasskeyView } from '../../services/identity'
import { addPasskey } from '../../services/accounts'

const args = {
  response: g.arg({ type: g.nonNull(g.JSON), description: 'RegistrationResponseJSON, as startRegistration answers.' }),
  name: g.arg({ type: g.String, description: '1 to 100 characters; "Passkey" and the date when omitted.' }),
}

export const passkeyRegister = g.field({
  type: g.object<{ passkey?: PasskeyView; errors?: FieldError[] }>()({
    name: 'PasskeyRegisterPayload',
    fields: {
      passkey: g.field({ type: PasskeyType }),
      errors: errorsField(),
    },
  }),
  args,
  extensions: costly('mail'),
  resolve: withErrorsList(async ({ response, name }: ArgsOf<typeof args>, context) => {
    const userId = requireSignInSession(context)
    return { passkey: await addPasskey(context, { userId, response, name, amr: context.session?.amr ?? [] }) }
  }),
})
