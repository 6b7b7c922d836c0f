// accountTotpConfirm: the first code of the app turns two-step sign-in on; answers ten recovery
// codes, shown only here.
// Access: a signed-in user in a sign-in session (not a customer API token, not impersonated). Effects: TOTP enabled, the code's step used, recovery codes, TOTP_ENABLED event, notice mail (services/accounts/secondFactor/confirmTotp.ts). Twin: the Admin UI's Security group calls this same mutation.
import { g, type ArgsOf } from '../shared/g'
import { costly } from '../../lists/costlyWork'
import { errorsField, withErrorsList, type WithErrors } from '../shared/errors'
import { requireSignInSession } from '../shared/guards'
import { confirmTotp } from '../../services/accounts'

type Source = WithErrors & { recoveryCodes?: string[] }

const args = { code: g.arg({ type: g.nonNull(g.String), description: "The app's current 6-digit code." }) }

export const recoveryCodesField = () =>
  g.field({
    type: g.list(g.nonNull(g.String)),
    description: 'Ten one-time codes for when the app is not at hand: shown only here, stored hashed.',
  })

export const accountTotpConfirm = g.field({
  type: g.object<Source>()({
    name: 'AccountTotpConfirmPayload',
    fields: { recoveryCodes: recoveryCodesField(), errors: errorsField<Source>() },
  }),
  args,
  extensions: costly('mail'),
  resolve: withErrorsList(async ({ code }: ArgsOf<typeof args>, context) => {
    const userId = requireSignInSession(context)
    return confirmTotp(context.sudo(), { userId, code, amr: context.session?.amr ?? [] })
  }),
})
