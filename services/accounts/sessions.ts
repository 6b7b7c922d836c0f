// Seeing and ending sign-in sessions (API.md §9), and a refresh that finds a token reused: the
// effects around the identity module's session mechanics (services/identity/userSessions.ts,
// refreshRotation.ts). Whose sessions a caller reaches is one rule, reachesSessionsOf: its own, or,
// for staff, those of a user it manages by the staff scope rules (their one entry point,
// judgeStaffChange, as for any other change of that user). A session out of reach is NOT_FOUND,
// the same answer as one that does not exist.
import type { Context } from '../../generated/keystone/types'
import {
  endOtherSessions,
  actorIdOf,
  endSession,
  invalidToken,
  isActiveStaffSession,
  isImpersonation,
  liveSessionsOf,
  ownerOfLiveSession,
  refreshSession,
  sessionHolds,
  type RefreshRequest,
  type Refreshed,
  type Session,
  type SessionView,
} from '../identity'
import { DomainError, inTransaction } from '../kernel'
import { emitWebhookEvent, userWebhookPayload } from '../messaging'
import { judgeUserReach } from '../staff'
import { mailNotice, recordAccountEvent } from '../users'

/** A live session as a listing shows it to its caller. */
export type SessionListing = SessionView & { current: boolean }

const notFound = () => new DomainError({ field: 'id', code: 'NOT_FOUND', message: 'Session not found.' })

/**
 * Whether `caller` may read and end the sessions of `userId`. Sessions are reached through a
 * session: a caller whose credential is a sign-in session (not a customer API token, not a
 * payload read as the user a link proved). Its own, then; or, for staff, those of a user they
 * manage: what managing the user takes (MANAGE_USERS for a customer, MANAGE_STAFF for staff) and
 * the staff scope rules (judgeUserReach, judgeStaffChange's rules for a change of that user).
 */
export async function reachesSessionsOf(
  context: Context,
  caller: Session | undefined,
  userId: string,
): Promise<boolean> {
  if (!caller?.sessionId || !caller.data.isActive) return false
  if (caller.itemId === userId) return true
  if (!isActiveStaffSession(caller)) return false
  const target = await context.prisma.user.findUnique({ where: { id: userId }, select: { id: true, isStaff: true } })
  if (!target || !sessionHolds(caller, target.isStaff ? 'MANAGE_STAFF' : 'MANAGE_USERS')) return false
  return (await judgeUserReach(context, caller, target)).length === 0
}

/** The live sessions of a user, for a caller who reaches them; null otherwise. */
export async function sessionsOf(
  context: Context,
  caller: Session | undefined,
  userId: string,
): Promise<SessionListing[] | null> {
  const sudo = context.sudo()
  if (!(await reachesSessionsOf(sudo, caller, userId))) return null
  const sessions = await liveSessionsOf(sudo, userId)
  // staff acting as the customer see the impersonation's own session only: where else the customer
  // is signed in (its IPs, its devices) is for the customer, or for staff who manage it
  const shown = isImpersonation(caller) ? sessions.filter(session => session.id === caller?.sessionId) : sessions
  return shown.map(session => ({ ...session, current: session.id === caller?.sessionId }))
}

/**
 * sessionRevoke: end one live session, of the caller's own or of a user it manages; its tokens and
 * cookie are refused from the next request on. Records SESSION_REVOKED with who ended it.
 */
export async function revokeSession(context: Context, caller: Session, sessionId: string): Promise<void> {
  await inTransaction(context.sudo(), async tx => {
    const ownerId = await ownerOfLiveSession(tx, sessionId)
    if (!ownerId || !(await reachesSessionsOf(tx, caller, ownerId))) throw notFound()
    // a twin that ended it first leaves nothing to end: the same answer as a session that is gone
    if (!(await endSession(tx, { userId: ownerId, sessionId }))) throw notFound()
    await recordRevocation(tx, caller, ownerId, { session_id: sessionId })
  })
}

/** sessionsRevokeOthers: end every live session of the caller but the one it calls from. */
export async function revokeOtherSessions(context: Context, caller: Session): Promise<number> {
  const current = caller.sessionId
  if (!current) throw new DomainError({ field: null, code: 'INVALID', message: 'This credential has no session.' })
  return inTransaction(context.sudo(), async tx => {
    const count = await endOtherSessions(tx, { userId: caller.itemId, keepSessionId: current })
    if (count > 0) await recordRevocation(tx, caller, caller.itemId, { count, kept_session_id: current })
    return count
  })
}

async function recordRevocation(
  tx: Context,
  caller: Session,
  userId: string,
  parameters: Record<string, unknown>,
): Promise<void> {
  await recordAccountEvent(tx, { type: 'SESSION_REVOKED', userId, actorId: actorIdOf(caller), parameters })
  const user = await tx.prisma.user.findUniqueOrThrow({ where: { id: userId } })
  await emitWebhookEvent(tx, {
    event: 'SESSION_REVOKED',
    payload: { user: userWebhookPayload(user), revokedBy: { id: caller.itemId }, ...parameters },
  })
}

/**
 * tokenRefresh: a new access token (and a rotated refresh token where the request says so). A
 * retired refresh token presented after the grace ends its session: REFRESH_TOKEN_REUSED is
 * recorded, the user is told by mail and the listeners by webhook, in the transaction that ended
 * it, and the request is refused as an invalid token.
 */
export async function refreshTokens(context: Context, request: RefreshRequest): Promise<Refreshed> {
  const outcome = await inTransaction(context.sudo(), async tx => {
    const result = await refreshSession(tx, request)
    if (!result.ok && result.reuse.ended) {
      const { userId, sessionId } = result.reuse
      await recordAccountEvent(tx, { type: 'REFRESH_TOKEN_REUSED', userId, parameters: { session_id: sessionId } })
      const user = await tx.prisma.user.findUniqueOrThrow({ where: { id: userId } })
      await mailNotice(tx, user, 'REFRESH_TOKEN_REUSED')
      await emitWebhookEvent(tx, {
        event: 'REFRESH_TOKEN_REUSED',
        payload: { user: userWebhookPayload(user), session_id: sessionId },
      })
    }
    return result
  })
  if (!outcome.ok) throw invalidToken()
  return outcome.refreshed
}
