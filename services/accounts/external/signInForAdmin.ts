// The Admin UI's "Sign in with <provider>" operation (server/externalSignIn.ts's callback): staff
// only, the identity linked (linkExternalIdentity.ts), bound as a token sign-in is (boundFactor).
import type { Context } from '../../../generated/keystone/types'
import { DomainError } from '../../kernel'
import {
  bindExternalSignIn,
  oidcProviderOf,
  redeemExternalSignIn,
  requireSecondFactor,
  type ExternalIdentity,
  type SignInClient,
} from '../../identity'
import { linkExternalIdentity, refused } from './linkExternalIdentity'
import { boundFactor } from './signInForTokens'

/** What the Admin UI's cookie session of a provider sign-in binds to. */
export type ExternalAdminSignIn = { userId: string; tokenKey: string; amr: ExternalIdentity['amr'] }

/**
 * The Admin UI's "Sign in with <provider>" callback: a provider with a staff section only (others
 * are NOT_FOUND here), the provider's answer redeemed for the adminCookie kind, the identity linked
 * (linkExternalIdentity, staff groups included), and only active, confirmed staff admitted. A user
 * with TOTP and no second factor asserted by the ID token gets MfaRequiredError (its challenge for
 * the Admin UI's code step, adminSignInWithCode). `begin` starts the cookie session in the bind's
 * transaction (bindExternalSignIn), with what it binds to.
 */
export async function signInExternallyForAdmin<T>(
  context: Context,
  args: { pluginId: string; input: Record<string, unknown>; client: SignInClient },
  begin: (tx: Context, signedIn: ExternalAdminSignIn) => Promise<T>,
): Promise<T> {
  const provider = oidcProviderOf(args.pluginId)
  if (!provider.staff)
    throw new DomainError({ field: 'pluginId', code: 'NOT_FOUND', message: 'No staff sign-in provider has this id.' })
  const identity = await redeemExternalSignIn(context, {
    pluginId: provider.id,
    code: args.input.code,
    state: args.input.state,
    iss: args.input.iss,
    kind: 'adminCookie',
    browser: args.input.browser,
  })
  const user = await linkExternalIdentity(context, identity)
  if (!user.isStaff || !user.isActive || !user.isConfirmed)
    throw refused('Only active staff sign in here: your account is not a staff account.')
  const external = { provider: identity.provider.id, subject: identity.subject }
  if (!identity.amr.includes('mfa'))
    await requireSecondFactor(context, user, { kind: 'adminCookie', proven: user, ...args.client, external })
  return bindExternalSignIn(context, boundFactor(user, identity), external, (tx, tokenKey) =>
    begin(tx, { userId: user.id, tokenKey, amr: identity.amr }),
  )
}
