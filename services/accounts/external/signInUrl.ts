// externalAuthenticationUrl's operation: where to send a shopper to sign in with a provider.
import type { Context } from '../../../generated/keystone/types'
import { assertAllowedRedirectUrl } from '../../messaging'
import { externalAuthorizationUrl, oidcProviderOf } from '../../identity'

/** externalAuthenticationUrl: where to send the shopper, its redirectUri checked against ALLOWED_CLIENT_HOSTS. */
export async function externalSignInUrl(
  context: Context,
  args: { pluginId: string; redirectUri: unknown },
): Promise<string> {
  const provider = oidcProviderOf(args.pluginId)
  const redirectUri = assertAllowedRedirectUrl(
    typeof args.redirectUri === 'string' ? args.redirectUri : null,
    'redirectUri',
  )
  return externalAuthorizationUrl(context, { provider, redirectUri, kind: 'tokens' })
}
