// accountRecoveryCodesRegenerate: ten new recovery codes, with the password and a code (the app's
// or a recovery code); the old codes stop working. The user's sessions go on.
// Access: a signed-in user in a sign-in session (not a customer API token, not impersonated). Effects: throttling state (a wrong password or code counts as a failed sign-in); every recovery code replaced, RECOVERY_CODES_REGENERATED event (services/accounts/secondFactor/regenerateRecoveryCodes.ts). Twin: the Admin UI's Security group calls this same mutation.
import { g, type ArgsOf } from '../shared/g'
import { costly } from '../../lists/costlyWork'
import { errorsField, withErrorsList, type WithErrors } from '../shared/errors'
import { requireSignInSession } from '../shared/guards'
import { clientIp } from '../shared/request'
import { regenerateRecoveryCodes } from '../../services/accounts'
import { recoveryCodesField } from './accountTotpConfirm'

type Source = WithErrors & { recoveryCodes?: string[] }

const args = {
  password: g.arg({ type: g.nonNull(g.String) }),
  code: g.arg({ type: g.nonNull(g.String), description: "The app's current code, or a recovery code." }),
}

export const accountRecoveryCodesRegenerate = g.field({
  type: g.object<Source>()({
    name: 'AccountRecoveryCodesRegeneratePayload',
    fields: { recoveryCodes: recoveryCodesField(), errors: errorsField<Source>() },
  }),
  args,
  extensions: costly('password'),
  resolve: withErrorsList(async ({ password, code }: ArgsOf<typeof args>, context) => {
    const userId = requireSignInSession(context)
    return regenerateRecoveryCodes(context.sudo(), { userId, password, code, ip: clientIp(context) })
  }),
})
