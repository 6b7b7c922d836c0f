// Who may call a custom field, checked first in every resolver; refusals are KS_ACCESS_DENIED.
import type { Context } from './g'
import type { Session } from '../../services/identity'
import { AccessDeniedError } from '../../services/kernel'
import { hasPermission, isSignedIn } from '../../access/permissions'
import type { Permission } from '../../services/identity'

/** The signed-in user's id, or a refusal for an anonymous or deactivated caller. */
export function requireUser(context: Context): string {
  if (!context.session || !isSignedIn({ session: context.session }))
    throw new AccessDeniedError('You need to be signed in to perform this action.')
  return context.session.itemId
}

export function requirePermission(context: Context, permission: Permission): Session {
  requireUser(context)
  if (!hasPermission(context.session, permission))
    throw new AccessDeniedError(`You need the ${permission} permission to perform this action.`)
  return context.session as Session
}

/**
 * The signed-in user's id when it proved itself with its password or a token from it, not with
 * a customer API token: such a token serves integrations and may not change credentials, the
 * email or the account's existence.
 */
export function requireCredentialSession(context: Context): string {
  const userId = requireUser(context)
  if (context.session?.via === 'customerToken')
    throw new AccessDeniedError('A customer API token cannot perform this action.')
  return userId
}

/**
 * The signed-in user's id for the second-factor operations of its own account: a sign-in session
 * (a password, a code, a passkey), never a customer API token nor a session without a sign-in,
 * and never an impersonation (staff acting as the user may not change how it signs in).
 */
export function requireSignInSession(context: Context): string {
  const userId = requireCredentialSession(context)
  const session = context.session
  if (!session?.sessionId || session.amr?.includes('imp'))
    throw new AccessDeniedError('Sign in with your own password to change how you sign in.')
  return userId
}
