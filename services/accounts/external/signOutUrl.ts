// externalLogout's operation: the provider's end-session URL.
import { assertAllowedRedirectUrl } from '../../messaging'
import { externalLogoutUrl, oidcProviderOf } from '../../identity'

/** externalLogout: the provider's end-session URL (null when it has none), a post-logout redirectUri checked as a sign-in's. */
export async function externalSignOutUrl(args: { pluginId: string; redirectUri?: unknown }): Promise<string | null> {
  const provider = oidcProviderOf(args.pluginId)
  const redirectUri =
    args.redirectUri === undefined || args.redirectUri === null || args.redirectUri === ''
      ? undefined
      : assertAllowedRedirectUrl(typeof args.redirectUri === 'string' ? args.redirectUri : null, 'redirectUri')
  return externalLogoutUrl(provider, { redirectUri })
}
