// Sessions (API.md §9): one row per sign-in, made by startSession, the one function every way in
// calls (tokenCreate, setPassword, the Admin UI's cookie, and the sign-ins later issues add). A
// session is alive while it is not ended, not past expiresAt, and still bound to its user's token
// key: the key is the one revocation every credential change already makes (endSessions.ts), so a
// new key ends every session of the user without a second write. Whether the session a token
// names is alive is read by the same statement that reads its user (sessions.ts), so checking it
// costs no round trip; its use is written at most once a minute. Dead rows are deleted in batches
// by the sessions worker (deleteDeadSessions).
import type { Context } from '../../generated/keystone/types'
import { env } from '../../env'
import { asDate, hotQuery } from '../kernel'
import { isSameSecret } from './sameSecret'

// how the client holds a session: access and refresh tokens (JWTs), or the Admin UI's sealed cookie
export const SESSION_KINDS = ['tokens', 'adminCookie'] as const
export type SessionKind = (typeof SESSION_KINDS)[number]

/** RFC 8176's methods, and ours: `ext` (an identity provider), `imp` (impersonation). */
export const AUTH_METHODS = ['pwd', 'otp', 'hwk', 'mfa', 'ext', 'imp'] as const
export type AuthMethod = (typeof AUTH_METHODS)[number]

// a user agent as sent, cut to this many characters
export const MAX_USER_AGENT_LENGTH = 512
// a session's use is written at most this often
const LAST_USED_RESOLUTION_MS = 60_000
// the most sessions a listing answers (the most recently used first)
export const MAX_LISTED_SESSIONS = 100
// how many dead sessions one pass of the worker deletes
export const SESSION_SWEEP_BATCH = 500

/** A session as the hot statement reads it beside its user (sessions.ts). */
export type SessionState = {
  id: string
  kind: SessionKind
  tokenKey: string
  amr: AuthMethod[]
  createdAt: Date
  lastUsedAt: Date | null
  expiresAt: Date
  endedAt: Date | null
  refreshGeneration: number
  rotatedAt: Date | null
  // the staff member impersonating the user in this session (amr `imp`), '' in every other
  actorId: string
  // the staff member's own session the impersonation acts from: it lives only while that one does
  actorSessionId: string
}

/** What a listing shows of a live session: never its token key. */
export type SessionView = {
  id: string
  createdAt: Date
  lastUsedAt: Date | null
  expiresAt: Date
  ip: string
  userAgent: string
  amr: AuthMethod[]
}

export type SessionStart = {
  userId: string
  // the user's token key as the sign-in leaves it
  tokenKey: string
  kind: SessionKind
  amr: AuthMethod[]
  ip: string
  userAgent: string | undefined
  // how long the client's credential lives (the refresh token's, the cookie's)
  lifetimeSeconds: number
  // an impersonation's staff member (amr `imp`): the session is the user's, the acts are its
  actorId?: string
  // and the staff session it acts from
  actorSessionId?: string
  // a passkey sign-in: the passkey that proved the user (removing it ends the session)
  passkeyId?: string
}

/**
 * Begin a session: the one function every sign-in calls, whatever proved the user. It expires with
 * the credential the client holds, and never later than SESSION_MAX_AGE.
 */
export async function startSession(context: Context, start: SessionStart): Promise<SessionState> {
  const createdAt = new Date()
  const lifetime = Math.min(start.lifetimeSeconds, env.sessionMaxAge)
  const amr = normalizeAmr(start.amr)
  const row = await context.prisma.authSession.create({
    data: {
      userId: start.userId,
      kind: start.kind,
      tokenKey: start.tokenKey,
      amr: amr.join(' '),
      ip: start.ip.slice(0, 64),
      userAgent: cutUserAgent(start.userAgent),
      createdAt,
      lastUsedAt: createdAt,
      expiresAt: new Date(wholeSeconds(createdAt.getTime()) + lifetime * 1000),
      actorId: start.actorId ?? '',
      actorSessionId: start.actorSessionId ?? '',
      passkeyId: start.passkeyId ?? '',
    },
  })
  return stateOf(row)
}

/** When a session's expiry may slide to now: the refresh token's lifetime, within SESSION_MAX_AGE. */
export function slidExpiry(session: SessionState, now: Date): Date {
  const latest = session.createdAt.getTime() + env.sessionMaxAge * 1000
  return new Date(Math.min(wholeSeconds(now.getTime()) + env.refreshTokenTtl * 1000, wholeSeconds(latest)))
}

/** Whether a session is alive now: not ended, not expired, and bound to the user's current token key. */
export function isSessionAlive(
  session: Pick<SessionState, 'endedAt' | 'expiresAt' | 'tokenKey'>,
  userTokenKey: string | null,
  now = Date.now(),
): boolean {
  return (
    session.endedAt === null &&
    session.expiresAt.getTime() > now &&
    userTokenKey !== null &&
    isSameSecret(session.tokenKey, userTokenKey)
  )
}

/** Note that a session was used, at most once a minute, so that `me` is not a write. */
export async function recordSessionUse(context: Context, session: SessionState): Promise<void> {
  const now = Date.now()
  if (session.lastUsedAt && now - session.lastUsedAt.getTime() < LAST_USED_RESOLUTION_MS) return
  await context.prisma.authSession.updateMany({ where: { id: session.id }, data: { lastUsedAt: new Date(now) } })
}

/** The live sessions of a user, the most recently used first, at most MAX_LISTED_SESSIONS. */
export async function liveSessionsOf(context: Context, userId: string): Promise<SessionView[]> {
  const user = await context.prisma.user.findUnique({ where: { id: userId }, select: { jwtTokenKey: true } })
  if (!user?.jwtTokenKey) return []
  const rows = await context.prisma.authSession.findMany({
    where: liveWhere(userId, user.jwtTokenKey),
    orderBy: [{ lastUsedAt: 'desc' }, { createdAt: 'desc' }, { id: 'desc' }],
    take: MAX_LISTED_SESSIONS,
  })
  return rows.map(row => ({
    id: row.id,
    createdAt: row.createdAt,
    lastUsedAt: row.lastUsedAt,
    expiresAt: row.expiresAt,
    ip: row.ip,
    userAgent: row.userAgent,
    amr: parseAmr(row.amr),
  }))
}

/** The user a live session belongs to, or null: a session that is ended, expired, unknown or malformed. */
export async function ownerOfLiveSession(context: Context, sessionId: string): Promise<string | null> {
  if (!isSessionId(sessionId)) return null
  const row = await context.prisma.authSession.findUnique({
    where: { id: sessionId },
    select: { userId: true, tokenKey: true, endedAt: true, expiresAt: true, user: { select: { jwtTokenKey: true } } },
  })
  if (!row?.userId || !isSessionAlive(row, row.user?.jwtTokenKey ?? null)) return null
  return row.userId
}

/** End one live session of a user; false when it was not alive (ended already, by a twin). */
export async function endSession(context: Context, args: { userId: string; sessionId: string }): Promise<boolean> {
  const user = await context.prisma.user.findUnique({ where: { id: args.userId }, select: { jwtTokenKey: true } })
  if (!user?.jwtTokenKey) return false
  const { count } = await context.prisma.authSession.updateMany({
    where: { id: args.sessionId, ...liveWhere(args.userId, user.jwtTokenKey) },
    data: { endedAt: new Date() },
  })
  return count === 1
}

/** End every live session of a user but one (its caller's); answers how many ended. */
export async function endOtherSessions(
  context: Context,
  args: { userId: string; keepSessionId: string },
): Promise<number> {
  const user = await context.prisma.user.findUnique({ where: { id: args.userId }, select: { jwtTokenKey: true } })
  if (!user?.jwtTokenKey) return 0
  const { count } = await context.prisma.authSession.updateMany({
    where: { ...liveWhere(args.userId, user.jwtTokenKey), id: { not: args.keepSessionId } },
    data: { endedAt: new Date() },
  })
  return count
}

/**
 * End every live session of a user that `method` signed in (its amr holds it), but the caller's
 * own when named; answers how many ended. For a change that voids one way in (an unlink ends the
 * provider's sessions, `ext`: no session records which provider).
 */
export async function endSessionsSignedInBy(
  context: Context,
  args: { userId: string; method: AuthMethod; keepSessionId?: string },
): Promise<number> {
  // amr is its methods joined by single spaces
  return endLiveSessions(context, args, { OR: holding(args.method) })
}

/**
 * End every live session of a user that the passkey `passkeyId` began, but the caller's own when
 * named; answers how many ended. A passkey session begun before sessions recorded their passkey
 * (an empty passkeyId) may have been any passkey's: it ends with each. A provider's session never
 * does, though it may record the provider's own security key as hwk: it used no passkey of ours.
 */
export async function endSessionsOfPasskey(
  context: Context,
  args: { userId: string; passkeyId: string; keepSessionId?: string },
): Promise<number> {
  return endLiveSessions(context, args, {
    OR: [{ passkeyId: args.passkeyId }, { passkeyId: '', OR: holding('hwk'), NOT: { OR: holding('ext') } }],
  })
}

type SessionFilter = NonNullable<NonNullable<Parameters<Context['prisma']['authSession']['updateMany']>[0]>['where']>

async function endLiveSessions(
  context: Context,
  args: { userId: string; keepSessionId?: string },
  which: SessionFilter,
): Promise<number> {
  const user = await context.prisma.user.findUnique({ where: { id: args.userId }, select: { jwtTokenKey: true } })
  if (!user?.jwtTokenKey) return 0
  const { count } = await context.prisma.authSession.updateMany({
    where: {
      ...liveWhere(args.userId, user.jwtTokenKey),
      ...(args.keepSessionId ? { id: { not: args.keepSessionId } } : {}),
      AND: [which],
    },
    data: { endedAt: new Date() },
  })
  return count
}

// the sessions whose amr (its methods joined by single spaces) holds `method`
function holding(method: AuthMethod) {
  return [
    { amr: method },
    { amr: { startsWith: `${method} ` } },
    { amr: { endsWith: ` ${method}` } },
    { amr: { contains: ` ${method} ` } },
  ]
}

/**
 * Delete up to `batch` dead sessions: ended, expired, of a user who is gone, or bound to a token
 * key the user no longer holds. Answers how many went, so the worker can go on while it is busy.
 */
export async function deleteDeadSessions(context: Context, batch = SESSION_SWEEP_BATCH): Promise<number> {
  const ended = await context.prisma.authSession.findMany({
    where: { OR: [{ endedAt: { not: null } }, { expiresAt: { lte: new Date() } }, { userId: null }] },
    select: { id: true },
    take: batch,
  })
  const stale = await hotQuery<{ id: string }>(
    context,
    'dead-sessions',
    `SELECT s."id" FROM "AuthSession" s LEFT JOIN "User" u ON u."id" = s."user"
     WHERE u."jwtTokenKey" IS NULL OR s."tokenKey" <> u."jwtTokenKey" LIMIT ?`,
    [Math.max(0, batch - ended.length)],
  )
  const ids = [...new Set([...ended.map(row => row.id), ...stale.map(row => String(row.id))])]
  if (ids.length === 0) return 0
  const { count } = await context.prisma.authSession.deleteMany({ where: { id: { in: ids } } })
  return count
}

/** A session row as the hot statement reads it (columns prefixed `s_`), or null when it found none. */
export function sessionStateOfRow(row: Record<string, unknown>): SessionState | null {
  if (row.s_id == null) return null
  return {
    id: String(row.s_id),
    kind: String(row.s_kind) as SessionKind,
    tokenKey: String(row.s_tokenKey),
    amr: parseAmr(String(row.s_amr ?? '')),
    createdAt: asDate(row.s_createdAt) ?? new Date(0),
    lastUsedAt: asDate(row.s_lastUsedAt),
    expiresAt: asDate(row.s_expiresAt) ?? new Date(0),
    endedAt: asDate(row.s_endedAt),
    refreshGeneration: Number(row.s_refreshGeneration ?? 0),
    rotatedAt: asDate(row.s_rotatedAt),
    actorId: String(row.s_actorId ?? ''),
    actorSessionId: String(row.s_actorSessionId ?? ''),
  }
}

/** The columns of a session the hot statement reads, as `s_<column>`. */
export const SESSION_COLUMNS = [
  'id',
  'kind',
  'tokenKey',
  'amr',
  'createdAt',
  'lastUsedAt',
  'expiresAt',
  'endedAt',
  'refreshGeneration',
  'rotatedAt',
  'actorId',
  'actorSessionId',
]
  .map(column => `s."${column}" AS "s_${column}"`)
  .join(', ')

/** A session id as startSession makes them (a cuid); anything else names no session. */
export function isSessionId(value: unknown): value is string {
  return typeof value === 'string' && /^[a-z0-9]{20,32}$/.test(value)
}

/** Methods in RFC 8176's order of our vocabulary, each once, unknown ones dropped. */
export function normalizeAmr(amr: readonly string[]): AuthMethod[] {
  return AUTH_METHODS.filter(method => amr.includes(method))
}

function parseAmr(text: string): AuthMethod[] {
  return normalizeAmr(text.split(' '))
}

function liveWhere(userId: string, tokenKey: string) {
  return { userId, tokenKey, endedAt: null, expiresAt: { gt: new Date() } }
}

function cutUserAgent(userAgent: string | undefined): string {
  // one line of printable text: a header may not hold newlines anyway, but a proxy might unfold one
  return [...(userAgent ?? '').replace(/[\u0000-\u001f\u007f]/g, ' ')].slice(0, MAX_USER_AGENT_LENGTH).join('')
}

// JWTs count in whole seconds: a session's expiry is one, so its refresh token says exactly it
function wholeSeconds(ms: number): number {
  return Math.floor(ms / 1000) * 1000
}

function stateOf(row: {
  id: string
  kind: string
  tokenKey: string
  amr: string
  createdAt: Date
  lastUsedAt: Date | null
  expiresAt: Date
  endedAt: Date | null
  refreshGeneration: number
  rotatedAt: Date | null
  actorId: string | null
  actorSessionId: string | null
}): SessionState {
  return {
    id: row.id,
    kind: row.kind as SessionKind,
    tokenKey: row.tokenKey,
    amr: parseAmr(row.amr),
    createdAt: row.createdAt,
    lastUsedAt: row.lastUsedAt,
    expiresAt: row.expiresAt,
    endedAt: row.endedAt,
    refreshGeneration: row.refreshGeneration,
    rotatedAt: row.rotatedAt,
    actorId: row.actorId ?? '',
    actorSessionId: row.actorSessionId ?? '',
  }
}

/** A session's state as it is now (after a twin's write), or null when it is gone. */
export async function readSessionState(context: Context, sessionId: string): Promise<SessionState | null> {
  const row = await context.prisma.authSession.findUnique({ where: { id: sessionId } })
  return row ? stateOf(row) : null
}
