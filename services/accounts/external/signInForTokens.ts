// externalObtainAccessTokens's operation: a provider's answer redeemed, its identity linked
// (linkExternalIdentity.ts) and signed in with tokens, or asked for the second factor.
import type { Context } from '../../../generated/keystone/types'
import { env } from '../../../env'
import { DomainError } from '../../kernel'
import {
  bindExternalSignIn,
  issueTokens,
  redeemExternalSignIn,
  requireSecondFactor,
  type ExternalIdentity,
  type IssuedTokens,
  type SignInClient,
} from '../../identity'
import { linkExternalIdentity, type UserRow } from './linkExternalIdentity'

/**
 * externalObtainAccessTokens: redeem the provider's answer, link the identity (linkExternalIdentity)
 * and sign in with tokens: amr ext (plus mfa when the ID token asserted a second factor). A user
 * with TOTP enabled and no such assertion gets MFA_REQUIRED and a challenge, as tokenCreate gives,
 * which tokenCreateMfa finishes (bound through the identity, not a password).
 */
export async function signInExternallyForTokens(
  context: Context,
  args: { pluginId: string; input: Record<string, unknown>; client: SignInClient },
): Promise<IssuedTokens> {
  const identity = await redeemExternalSignIn(context, {
    pluginId: args.pluginId,
    code: args.input.code,
    state: args.input.state,
    iss: args.input.iss,
    kind: 'tokens',
  })
  const user = await linkExternalIdentity(context, identity)
  if (!user.isActive) throw new DomainError({ field: null, code: 'INACTIVE', message: 'Account inactive.' })
  if (env.accountConfirmationRequired && !user.isConfirmed)
    throw new DomainError({
      field: null,
      code: 'ACCOUNT_NOT_CONFIRMED',
      message: 'Account needs to be confirmed via email.',
    })
  const external = { provider: identity.provider.id, subject: identity.subject }
  if (!identity.amr.includes('mfa'))
    await requireSecondFactor(context, user, { kind: 'tokens', proven: user, ...args.client, external })
  // the session begins in the bind's transaction, so an unlink racing it ends it or voids the sign-in
  return bindExternalSignIn(context, boundFactor(user, identity), external, (tx, jwtTokenKey) =>
    issueTokens(
      tx,
      { id: user.id, email: user.email, isStaff: user.isStaff, jwtTokenKey },
      { amr: identity.amr, ...args.client },
    ),
  )
}

// what a provider sign-in binds to (bindExternalSignIn): with the TOTP state it was judged on, unless
// the ID token itself asserted the second factor (then the user's own TOTP was never the question)
export function boundFactor(
  user: UserRow,
  identity: ExternalIdentity,
): { id: string; jwtTokenKey: string | null; totpEnabledAt?: Date | null } {
  const base = { id: user.id, jwtTokenKey: user.jwtTokenKey }
  return identity.amr.includes('mfa') ? base : { ...base, totpEnabledAt: user.totpEnabledAt }
}
