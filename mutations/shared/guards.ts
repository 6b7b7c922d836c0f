// Who may call a custom field, checked first in every resolver; refusals are KS_ACCESS_DENIED, and
// IMPERSONATION_FORBIDDEN for what staff acting as the customer may not do.
import type { Context } from './g'
import { isImpersonation, type Session } from '../../services/identity'
import { AccessDeniedError, DomainError } from '../../services/kernel'
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
 * email or the account's existence. Nor may staff impersonating the user (API.md §10): every
 * mutation that changes how the account signs in (password, email, second factors, passkeys,
 * sessions, customer API tokens), whether it exists (deletion), or takes its whole record (the data
 * export) calls this guard or requireSignInSession, which builds on it. Whether a session is an
 * impersonation is decided once (services/identity isImpersonation), also read by the field rule
 * that keeps settings which would outlive it (access/fields.ts notImpersonating).
 */
export function requireCredentialSession(context: Context): string {
  const userId = requireUser(context)
  if (context.session?.via === 'customerToken')
    throw new AccessDeniedError('A customer API token cannot perform this action.')
  refuseImpersonation(context)
  return userId
}

/** IMPERSONATION_FORBIDDEN for a session in which staff act as the user (amr `imp`). */
export function refuseImpersonation(context: Context): void {
  if (isImpersonation(context.session as Session | undefined))
    throw new DomainError({
      field: null,
      code: 'IMPERSONATION_FORBIDDEN',
      message:
        'Staff viewing the account as the customer cannot do this: change how it signs in, its sessions, its existence or where its data is sent, nor take a copy of its data.',
    })
}

/**
 * The signed-in user's id for the second-factor operations of its own account: a sign-in session
 * (a password, a code, a passkey), never a customer API token nor a session without a sign-in,
 * and never an impersonation (IMPERSONATION_FORBIDDEN, requireCredentialSession).
 */
export function requireSignInSession(context: Context): string {
  const userId = requireCredentialSession(context)
  const session = context.session
  if (!session?.sessionId) throw new AccessDeniedError('Sign in with your own password to change how you sign in.')
  return userId
}
