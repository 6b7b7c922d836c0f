// Impersonation (API.md §10): support staff see the storefront as a customer sees it, without its
// password. Owns who may impersonate whom (IMPERSONATE_USER through the one permission function,
// customers only, a user out of the staff scope rules' reach is NOT_FOUND as one that does not
// exist), the reason it asks, and what starting one does in one transaction: a session of the
// customer that is an impersonation (services/identity/tokens.ts: issueTokens with
// `impersonatedBy`: amr `imp`, the staff member as actor and `act` claim, 15 minutes, no refresh
// token) and the IMPERSONATION_STARTED event on the customer with the staff member as actor.
// What the impersonation may not do is mutations/shared/guards.ts's (requireCredentialSession);
// whose name its changes carry is services/identity/sessions.ts's (actorIdOf); whether its token
// is still good is jsonWebToken.ts's (its session alive, `act` as its row says, the staff member
// still entitled).
import type { Context } from '../../generated/keystone/types'
import { issueTokens, isImpersonation, sessionHolds, type ImpersonationTokens, type Session } from '../identity'
import { AccessDeniedError, DomainError, inTransaction, lockUser } from '../kernel'
import { judgeUserReach } from '../staff'
import { recordAccountEvent } from '../users'

/** The longest reason kept, in characters, after trimming. */
export const MAX_IMPERSONATION_REASON_LENGTH = 500

const notFound = () => new DomainError({ field: 'id', code: 'NOT_FOUND', message: 'User not found.' })

/**
 * Start an impersonation of customer `userId` by `actor` (a staff member in a sign-in session of
 * its own, which mutations/shared/guards.ts: requireSignInSession has checked): its token, to be
 * handed to the storefront.
 */
export async function impersonateCustomer(
  context: Context,
  actor: Session,
  args: { userId: string; reason: string },
): Promise<ImpersonationTokens> {
  if (!sessionHolds(actor, 'IMPERSONATE_USER') || !actor.sessionId || isImpersonation(actor))
    throw new AccessDeniedError('You need the IMPERSONATE_USER permission to perform this action.')
  const reason = reasonOf(args.reason)
  return inTransaction(context.sudo(), async tx => {
    // the user's lock: a credential change of this user commits before or after, never between
    await lockUser(tx, args.userId)
    const user = await tx.prisma.user.findUnique({ where: { id: args.userId } })
    if (!user) throw notFound()
    if (user.id === actor.itemId)
      throw new DomainError({
        field: 'id',
        code: 'IMPERSONATION_FORBIDDEN',
        message: 'You cannot impersonate yourself.',
      })
    // out of the staff scope rules' reach, or staff the caller does not manage: as if it did not exist
    if ((await judgeUserReach(tx, actor, user)).length > 0) throw notFound()
    if (user.isStaff) {
      if (!sessionHolds(actor, 'MANAGE_STAFF')) throw notFound()
      throw new DomainError({
        field: 'id',
        code: 'IMPERSONATION_FORBIDDEN',
        message: 'Only customers can be impersonated, never staff.',
      })
    }
    if (!user.isActive)
      throw new DomainError({ field: 'id', code: 'INACTIVE', message: 'A deactivated account cannot be impersonated.' })
    const tokenUser = { id: user.id, email: user.email, isStaff: user.isStaff, jwtTokenKey: user.jwtTokenKey }
    const impersonator = { id: actor.itemId, sessionId: actor.sessionId ?? '' }
    // the session is the customer's, listed to it and in its export: it shows how it began (amr imp,
    // the staff member's id), never the staff member's own address or browser
    const tokens = await issueTokens(tx, tokenUser, { ip: '', userAgent: undefined, impersonatedBy: impersonator })
    await recordAccountEvent(tx, {
      type: 'IMPERSONATION_STARTED',
      userId: user.id,
      actorId: actor.itemId,
      parameters: { reason, session_id: tokens.sessionId },
    })
    return tokens
  })
}

// trimmed, required, at most MAX_IMPERSONATION_REASON_LENGTH characters, one line
function reasonOf(given: string): string {
  const reason = given.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim()
  if (!reason)
    throw new DomainError({
      field: 'reason',
      code: 'REQUIRED',
      message: 'Say why you view the account as the customer.',
    })
  if ([...reason].length > MAX_IMPERSONATION_REASON_LENGTH)
    throw new DomainError({
      field: 'reason',
      code: 'INVALID',
      message: `A reason holds at most ${MAX_IMPERSONATION_REASON_LENGTH} characters.`,
    })
  return reason
}
