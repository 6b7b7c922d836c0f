// Signing in with an OpenID Connect provider (API.md §10), the relying party's half, through
// openid-client: the authorization URL (authorization code flow with PKCE), and the redemption of
// what the provider sent back to the redirect URI, answering the identity the provider asserted.
// Rules owned here:
// - `state` is an EXTERNAL_SIGN_IN challenge (challenges.ts): 256 random bits, stored hashed, bound
//   to the provider, the redirect URI and the kind of sign-in it begins, living 5 minutes, spent by
//   one conditional write before anything else is judged, so a state answers once and only for the
//   request that asked for it; an Admin UI state also binds to the browser that began it (the hash
//   of its cookie's random value, server/externalSignIn.ts), against login CSRF;
// - the PKCE code verifier and the nonce are stored sealed (kernel sealing, purpose
//   externalSignIn), never in clear;
// - the ID token's signature, issuer, audience, expiry and nonce, and the state, are checked by
//   openid-client against the discovered configuration (oidcProviders.ts); any failure is
//   INVALID_CREDENTIALS, a provider that does not answer EXTERNAL_PROVIDER_UNAVAILABLE;
// - the session counts as two factors only when the ID token says so: `amr` holding mfa, otp or
//   hwk, or `acr` equal to the provider's configured `acr`; its amr is then ext and mfa, with the
//   provider's own otp or hwk when it names them.
// Linking the identity to a user is services/accounts (external/linkExternalIdentity.ts); the binding of the
// session here (bindExternalSignIn).
import * as oidc from 'openid-client'
import type { Context } from '../../generated/keystone/types'
import { DomainError, inTransaction, lockUser, openSecrets, sealSecrets } from '../kernel'
import { issueChallenge, liveChallenge, spendChallenge } from './challenges'
import { newTokenKey } from './jwt'
import { hashToken } from './oneTimeTokens'
import { isSameSecret } from './sameSecret'
import { oidcProviderOf, providerConfiguration, providerUnavailable, type OidcProvider } from './oidcProviders'
import type { AuthMethod } from './userSessions'

/** Which sign-in an authorization URL begins: the storefront's tokens or the Admin UI's cookie. */
export type ExternalSignInKind = 'tokens' | 'adminCookie'

// the ID token's authentication methods that count as a second factor (RFC 8176)
const SECOND_FACTOR_METHODS = ['mfa', 'otp', 'hwk']

/** What a provider asserted about the person who signed in, its checks passed. */
export type ExternalIdentity = {
  provider: OidcProvider
  subject: string
  email: string | null
  emailVerified: boolean
  firstName: string
  lastName: string
  // the ID token's claims (for the staff section's group claim)
  claims: Record<string, unknown>
  // the session's amr: ext, and mfa (with the provider's otp or hwk) when the ID token asserts a second factor
  amr: AuthMethod[]
}

// `browser`: for the Admin UI's kind, the hash of the random value the starting browser holds in its cookie
type ChallengePayload = {
  provider: string
  redirectUri: string
  kind: ExternalSignInKind
  sealed: string
  browser?: string
}

export function invalidExternalSignIn(): DomainError {
  return new DomainError({
    field: null,
    code: 'INVALID_CREDENTIALS',
    message: 'This sign-in could not be verified. Start it again.',
  })
}

/**
 * The URL to send the browser to: the provider's authorization endpoint with a new state (an
 * EXTERNAL_SIGN_IN challenge bound to this provider, `redirectUri` and `kind`), a nonce and a PKCE
 * challenge. `redirectUri` is the caller's to have checked (ALLOWED_CLIENT_HOSTS, or the server's
 * own callback). The provider is discovered first: one that is down leaves nothing behind.
 */
export async function externalAuthorizationUrl(
  context: Context,
  args: { provider: OidcProvider; redirectUri: string; kind: ExternalSignInKind; browser?: string },
): Promise<string> {
  // the Admin UI's sign-in lands in a browser's cookie session: it must be the browser that began it
  if (args.kind === 'adminCookie' && !args.browser) throw new Error('an Admin UI sign-in needs its browser binding')
  const configuration = await providerConfiguration(args.provider)
  const codeVerifier = oidc.randomPKCECodeVerifier()
  const nonce = oidc.randomNonce()
  const payload: ChallengePayload = {
    provider: args.provider.id,
    redirectUri: args.redirectUri,
    kind: args.kind,
    sealed: sealSecrets({ codeVerifier, nonce }, 'externalSignIn'),
    ...(args.browser ? { browser: hashToken(args.browser) } : {}),
  }
  const { challenge: state } = await issueChallenge(context, { purpose: 'EXTERNAL_SIGN_IN', payload })
  const url = oidc.buildAuthorizationUrl(configuration, {
    redirect_uri: args.redirectUri,
    scope: args.provider.scopes.join(' '),
    state,
    nonce,
    code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
  })
  return url.href
}

/**
 * Redeem what the provider sent to the redirect URI: `state` must be a live EXTERNAL_SIGN_IN
 * challenge of this provider and kind (spent here, once, before anything else is judged); the code
 * is exchanged with its PKCE verifier at the provider's token endpoint, and the ID token checked
 * (signature against the provider's keys, issuer, audience, expiry, nonce). Answers the asserted
 * identity; INVALID_CREDENTIALS for anything forged, replayed or mismatched;
 * EXTERNAL_PROVIDER_UNAVAILABLE when the provider does not answer.
 */
export async function redeemExternalSignIn(
  context: Context,
  args: {
    pluginId: string
    code: unknown
    state: unknown
    iss?: unknown
    kind: ExternalSignInKind
    browser?: unknown
  },
): Promise<ExternalIdentity> {
  const provider = oidcProviderOf(args.pluginId)
  if (typeof args.code !== 'string' || args.code === '' || typeof args.state !== 'string') throw invalidExternalSignIn()
  const challenge = await liveChallenge(context, args.state, 'EXTERNAL_SIGN_IN')
  const payload = (challenge?.payload ?? {}) as Partial<ChallengePayload>
  if (!challenge || payload.provider !== provider.id || payload.kind !== args.kind || !payload.redirectUri)
    throw invalidExternalSignIn()
  // spent before the answer is judged: a state answers once, whatever the outcome
  if (!(await spendChallenge(context, challenge.id))) throw invalidExternalSignIn()
  // an Admin UI state answers only in the browser that began it (its cookie's value): a callback
  // URL loaded in another browser (login CSRF) signs nobody in there
  if (payload.kind === 'adminCookie' && !sameBrowser(payload.browser, args.browser)) throw invalidExternalSignIn()
  let secrets: Record<string, string>
  try {
    secrets = openSecrets(String(payload.sealed), 'externalSignIn')
  } catch {
    throw invalidExternalSignIn()
  }
  const configuration = await providerConfiguration(provider)

  // the URL the browser came back to, as the provider sent it there
  const callback = new URL(payload.redirectUri)
  callback.searchParams.set('code', args.code)
  callback.searchParams.set('state', args.state)
  // RFC 9207: checked when the client passes it on; @saleor/auth-sdk passes only code and state, and
  // the ID token's issuer is checked whatever comes here
  const iss = typeof args.iss === 'string' ? args.iss : configuration.serverMetadata().issuer
  if (configuration.serverMetadata().authorization_response_iss_parameter_supported)
    callback.searchParams.set('iss', iss)

  let claims: Record<string, unknown>
  try {
    const tokens = await oidc.authorizationCodeGrant(configuration, callback, {
      pkceCodeVerifier: secrets.codeVerifier,
      expectedState: args.state,
      expectedNonce: secrets.nonce,
      idTokenExpected: true,
    })
    claims = (tokens.claims() ?? {}) as Record<string, unknown>
  } catch (error) {
    if (isUnreachable(error)) throw providerUnavailable()
    throw invalidExternalSignIn()
  }
  if (typeof claims.sub !== 'string' || claims.sub === '') throw invalidExternalSignIn()
  return identityOf(provider, claims)
}

function sameBrowser(bound: unknown, given: unknown): boolean {
  return typeof bound === 'string' && typeof given === 'string' && given !== '' && isSameSecret(hashToken(given), bound)
}

// the second factors the provider names in its own amr that are methods of ours too (otp, hwk), kept
// beside ext and mfa so that a session says how the provider signed the user in
function providerFactors(amrClaim: string[]): AuthMethod[] {
  return (['otp', 'hwk'] as const).filter(method => amrClaim.includes(method))
}

function identityOf(provider: OidcProvider, claims: Record<string, unknown>): ExternalIdentity {
  const email = typeof claims.email === 'string' && claims.email.includes('@') ? claims.email : null
  const amrClaim = Array.isArray(claims.amr) ? claims.amr.filter(v => typeof v === 'string') : []
  const secondFactor =
    amrClaim.some(method => SECOND_FACTOR_METHODS.includes(method)) ||
    (provider.acr !== undefined && claims.acr === provider.acr)
  const text = (value: unknown) => (typeof value === 'string' ? value.trim().slice(0, 256) : '')
  return {
    provider,
    subject: String(claims.sub),
    email,
    emailVerified: email !== null && claims.email_verified === true,
    firstName: text(claims.given_name),
    lastName: text(claims.family_name),
    claims,
    amr: secondFactor ? ['ext', 'mfa', ...providerFactors(amrClaim)] : ['ext'],
  }
}

// the provider did not answer, or answered with a server error: not the client's fault
function isUnreachable(error: unknown): boolean {
  if (error instanceof TypeError) return true
  if (error instanceof DOMException) return error.name === 'TimeoutError' || error.name === 'AbortError'
  if (error instanceof oidc.ClientError && error.code === 'OAUTH_RESPONSE_IS_NOT_CONFORM') {
    const status = (error.cause as { status?: number } | undefined)?.status
    return status === undefined || status >= 500
  }
  return false
}

/** The end-session URL of a provider (externalLogout), or null when it offers none. */
export async function externalLogoutUrl(
  provider: OidcProvider,
  params: { redirectUri?: string; idTokenHint?: string },
): Promise<string | null> {
  const configuration = await providerConfiguration(provider)
  if (!configuration.serverMetadata().end_session_endpoint) return null
  const query: Record<string, string> = { client_id: provider.clientId }
  if (params.redirectUri) query.post_logout_redirect_uri = params.redirectUri
  if (params.idTokenHint) query.id_token_hint = params.idTokenHint
  return oidc.buildEndSessionUrl(configuration, query).href
}

/**
 * Record a provider sign-in of `user` (the row the linking read) and begin its session: `begin`
 * gets the token key the session binds to, in the transaction that binds it, under the user's lock,
 * which unlinking a provider takes too (services/accounts/external/unlinkExternalAccount.ts). An
 * unlink either committed first, and this sign-in finds the identity no longer linked, or waits
 * until the new session exists, and ends it: no session outlives the link that began it, as none
 * outlives its passkey (passkeys.ts: verifyPasskeySignIn).
 * The write is conditional on the key read, so a key a credential change replaced meanwhile is
 * never written back; when only the key moved on, the identity still proves the user while the
 * account is active and, when the sign-in was judged on the user's second factor (`totpEnabledAt`
 * given: none, so no code was asked, or the one whose code was answered), that factor as it read
 * it (one turned on, reset or replaced meanwhile voids the sign-in), as bindSignIn does for a password.
 */
export async function bindExternalSignIn<T>(
  context: Context,
  user: { id: string; jwtTokenKey: string | null; totpEnabledAt?: Date | null },
  identity: { provider: string; subject: string },
  begin: (tx: Context, jwtTokenKey: string) => Promise<T>,
): Promise<T> {
  return inTransaction(context, async tx => {
    await lockUser(tx, user.id)
    const linked = await tx.prisma.externalAccount.count({
      where: { userId: user.id, provider: identity.provider, subject: identity.subject },
    })
    if (linked !== 1) throw invalidExternalSignIn()
    const jwtTokenKey = await bindToKey(tx, user)
    return begin(tx, jwtTokenKey)
  })
}

// the conditional write of bindExternalSignIn, under its lock: the key the sign-in read, or the one
// a credential change left, while the account is active and its second factor as judged
async function bindToKey(
  tx: Context,
  user: { id: string; jwtTokenKey: string | null; totpEnabledAt?: Date | null },
): Promise<string> {
  let read = user.jwtTokenKey
  const factor = user.totpEnabledAt === undefined ? {} : { totpEnabledAt: user.totpEnabledAt }
  for (let attempt = 0; attempt < 3; attempt++) {
    const jwtTokenKey = read ?? newTokenKey()
    const { count } = await tx.prisma.user.updateMany({
      where: { id: user.id, jwtTokenKey: read, isActive: true, ...factor },
      data: { lastLogin: new Date(), jwtTokenKey },
    })
    if (count === 1) return jwtTokenKey
    const now = await tx.prisma.user.findUnique({
      where: { id: user.id },
      select: { isActive: true, jwtTokenKey: true, totpEnabledAt: true },
    })
    if (!now?.isActive) throw invalidExternalSignIn()
    if (user.totpEnabledAt !== undefined && now.totpEnabledAt?.getTime() !== user.totpEnabledAt?.getTime())
      throw invalidExternalSignIn()
    read = now.jwtTokenKey
  }
  throw invalidExternalSignIn()
}
