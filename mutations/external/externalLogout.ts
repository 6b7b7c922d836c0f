// externalLogout (Saleor): `logoutData` JSON `{ "logoutUrl" }`, the provider's end-session URL
// (null when it has none) to send the browser to; `input` JSON, optionally `{ "redirectUri" }` for
// after the provider's sign-out (a host of ALLOWED_CLIENT_HOSTS). The session here ends as any does
// (sessionRevoke, or the client forgetting its tokens).
// Access: anyone; one per request, as every field that asks the provider (costly 'provider'). Effects: none. Twin: none.
import { g, type ArgsOf } from '../shared/g'
import { errorsField, withErrorsList, type WithErrors } from '../shared/errors'
import { JSONString, inputFields } from '../shared/jsonString'
import { externalSignOutUrl } from '../../services/accounts'
import { costly } from '../../lists/costlyWork'

const args = {
  pluginId: g.arg({ type: g.nonNull(g.String) }),
  input: g.arg({ type: g.nonNull(JSONString), description: '{ "redirectUri": "…" } or {}' }),
}

export const externalLogout = g.field({
  type: g.object<{ logoutData?: unknown } & WithErrors>()({
    name: 'ExternalLogout',
    fields: {
      logoutData: g.field({ type: JSONString, description: '{ "logoutUrl": "…" }' }),
      errors: errorsField(),
    },
  }),
  args,
  extensions: costly('provider'),
  resolve: withErrorsList(async ({ pluginId, input }: ArgsOf<typeof args>) => {
    const { redirectUri } = inputFields(input)
    return { logoutData: { logoutUrl: await externalSignOutUrl({ pluginId, redirectUri }) } }
  }),
})
