// accountTotpSetup: the signed-in user starts two-step sign-in with an authenticator app, proving
// its password; answers a new secret (base32), its otpauth:// URI and a QR code of it, shown once.
// Nothing is enabled until accountTotpConfirm; a second setup replaces the first's secret.
// Access: a signed-in user in a sign-in session (not a customer API token, not impersonated). Effects: throttling state (a wrong password counts as a failed sign-in); the pending secret, sealed (services/accounts/secondFactor/setupTotp.ts). Twin: the Admin UI's Security group calls this same mutation.
import { g, type ArgsOf } from '../shared/g'
import { costly } from '../../lists/costlyWork'
import { errorsField, withErrorsList, type WithErrors } from '../shared/errors'
import { requireSignInSession } from '../shared/guards'
import { setupTotp } from '../../services/accounts'
import { clientIp } from '../shared/request'

type Source = WithErrors & { secret?: string; otpauthUri?: string; qrCode?: string }

const args = { password: g.arg({ type: g.nonNull(g.String) }) }

export const accountTotpSetup = g.field({
  type: g.object<Source>()({
    name: 'AccountTotpSetupPayload',
    fields: {
      secret: g.field({
        type: g.String,
        description: 'The secret in base32 (160 bits), for an app that cannot scan: shown only here.',
      }),
      otpauthUri: g.field({ type: g.String, description: 'The otpauth://totp/ URI an authenticator app reads.' }),
      qrCode: g.field({ type: g.String, description: 'The URI as a QR code: a data:image/svg+xml URL.' }),
      errors: errorsField<Source>(),
    },
  }),
  args,
  extensions: costly('password'),
  resolve: withErrorsList(async ({ password }: ArgsOf<typeof args>, context) => {
    const userId = requireSignInSession(context)
    return setupTotp(context.sudo(), { userId, password, ip: clientIp(context), amr: context.session?.amr ?? [] })
  }),
})
