// The OpenID Connect providers of OIDC_PROVIDERS (env.ts, API.md §10) as a relying party sees them:
// one by its id (Saleor's pluginId `mirumee.authentication.openidconnect` names the first), and its
// discovered configuration through openid-client, discovered once per process (the library keeps
// the provider's keys, refetching them when a token names a key it does not hold, at most once a
// minute, and every 5 minutes anyway). Every ID token's signature is checked (non-repudiation
// checks), not only its claims. A discovery
// that fails is not kept: the next sign-in tries again. `allowInsecureRequests` only for a loopback
// issuer (env.ts refuses http:// elsewhere).
import * as oidc from 'openid-client'
import { env, isLoopbackHost, type OidcProviderConfig } from '../../env'
import { DomainError } from '../kernel'

// Saleor's plugin id for its OpenID Connect plugin: the first provider answers to it
export const SALEOR_OIDC_PLUGIN_ID = 'mirumee.authentication.openidconnect'
// how long a request to a provider may take, in seconds
const PROVIDER_TIMEOUT_SECONDS = 10

export type OidcProvider = OidcProviderConfig

/** The provider a pluginId (or a provider id) names; NOT_FOUND on `field` for none. */
export function oidcProviderOf(pluginId: string | null | undefined, field = 'pluginId'): OidcProvider {
  const providers = env.oidcProviders
  const found =
    providers.find(provider => provider.id === pluginId) ??
    (pluginId === SALEOR_OIDC_PLUGIN_ID ? providers[0] : undefined)
  if (!found) throw new DomainError({ field, code: 'NOT_FOUND', message: 'No sign-in provider has this id.' })
  return found
}

/** The providers with a staff section, which the Admin UI offers. */
export function staffOidcProviders(): OidcProvider[] {
  return env.oidcProviders.filter(provider => provider.staff)
}

/** A provider that did not answer (down, or its discovery document broken): nothing was created. */
export function providerUnavailable(): DomainError {
  return new DomainError({
    field: null,
    code: 'EXTERNAL_PROVIDER_UNAVAILABLE',
    message: 'The sign-in provider is not reachable right now. Try again in a moment.',
  })
}

const configurations = new Map<string, Promise<oidc.Configuration>>()

/** The provider's configuration, discovered once per process; EXTERNAL_PROVIDER_UNAVAILABLE when it cannot be. */
export async function providerConfiguration(provider: OidcProvider): Promise<oidc.Configuration> {
  let configuration = configurations.get(provider.id)
  if (!configuration) {
    const issuer = new URL(provider.issuer)
    const insecure = issuer.protocol === 'http:' && isLoopbackHost(issuer.hostname)
    configuration = oidc.discovery(
      issuer,
      provider.clientId,
      undefined,
      oidc.ClientSecretBasic(provider.clientSecret),
      {
        timeout: PROVIDER_TIMEOUT_SECONDS,
        // the ID token's signature is checked against the provider's published keys even though it
        // comes straight from the token endpoint (which OpenID Connect would let a client trust on TLS alone)
        execute: [oidc.enableNonRepudiationChecks, ...(insecure ? [oidc.allowInsecureRequests] : [])],
      },
    )
    configurations.set(provider.id, configuration)
    // a failed discovery is not kept: the provider may be back for the next sign-in
    configuration.catch(() => configurations.delete(provider.id))
  }
  try {
    return await configuration
  } catch {
    throw providerUnavailable()
  }
}
