// accountTotpDisable: the signed-in user turns two-step sign-in off with its password and a code
// (the app's or a recovery code). The user's sessions go on.
// Access: a signed-in user in a sign-in session (not a customer API token, not impersonated). Effects: throttling state (a wrong password or code counts as a failed sign-in); the secret and the recovery codes deleted, TOTP_DISABLED event, notice mail (services/accounts/secondFactor/disableTotp.ts). Twin: the Admin UI's Security group calls this same mutation.
import { g, type ArgsOf } from '../shared/g'
import { costly } from '../../lists/costlyWork'
import { errorsField, withErrorsList, type WithErrors } from '../shared/errors'
import { requireSignInSession } from '../shared/guards'
import { clientIp } from '../shared/request'
import { disableTotp } from '../../services/accounts'

const args = {
  password: g.arg({ type: g.nonNull(g.String) }),
  code: g.arg({ type: g.nonNull(g.String), description: "The app's current code, or a recovery code." }),
}

export const accountTotpDisable = g.field({
  type: g.object<WithErrors>()({
    name: 'AccountTotpDisablePayload',
    fields: { errors: errorsField() },
  }),
  args,
  extensions: costly('password', 'mail'),
  resolve: withErrorsList(async ({ password, code }: ArgsOf<typeof args>, context) => {
    const userId = requireSignInSession(context)
    await disableTotp(context.sudo(), { userId, password, code, ip: clientIp(context) })
    return {}
  }),
})
