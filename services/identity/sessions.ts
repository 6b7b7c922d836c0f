// Who is calling, in one database round trip: the user's row, its token key, the permissions of
// its groups and the session its credential names (userSessions.ts), read together by one
// statement for every kind of credential
// (a Bearer access token, a customer API token, the Admin UI cookie). Nothing here outlives the
// request: a revocation or a change of groups that has committed is seen by the very next
// request, in every process. The row itself serves `me` in the same request, so the hottest
// query costs one statement.
import type { Context } from '../../generated/keystone/types'
import { env } from '../../env'
import { effectivePermissions, type Permission } from './permissionCodes'
import { asBoolean, asDate, asJson, hotQuery } from '../kernel'
import { SESSION_COLUMNS, isSessionAlive, sessionStateOfRow, type AuthMethod, type SessionState } from './userSessions'

export type SessionUser = {
  id: string
  isActive: boolean
  isStaff: boolean
  isSuperuser: boolean
  isConfirmed: boolean
  jwtTokenKey: string | null
  customerTokenLastUsedAt: Date | null
  userPermissions: Permission[]
  // the session the credential names, as read in the same statement; null when it names none
  sessionState: SessionState | null
  // the whole row, as Prisma gives it (for `me`); holds secrets, so it never leaves the server
  item: Record<string, unknown>
}

// the User columns that are not plain text, so that a raw row reads as Prisma's item does;
// tests/unit/services/sessionUsers.test.ts holds this against prisma.user.findUnique
const BOOLEANS = ['isActive', 'isStaff', 'isSuperuser', 'isConfirmed']
const DATES = [
  'customerTokenIssuedAt',
  'customerTokenLastUsedAt',
  'dateJoined',
  'updatedAt',
  'lastLogin',
  'emailVerifiedAt',
  'totpEnabledAt',
]
const JSONS = ['note', 'metadata', 'privateMetadata']
/** The User columns read as other than text; tests hold them against Prisma's own data model. */
export const USER_COLUMN_KINDS = { Boolean: BOOLEANS, DateTime: DATES, Json: JSONS } as const
// relationship columns Keystone names after the field, which Prisma reads as <field>Id
const RENAMED: Record<string, string> = {
  defaultShippingAddress: 'defaultShippingAddressId',
  defaultBillingAddress: 'defaultBillingAddressId',
}

// the database's own columns, which Prisma does not model and so its item lacks (the digits of the
// search document, migrations/postgresql/*_user_search_digits)
const DATABASE_ONLY = ['searchDigits']

// the session joins on its primary key and its user: at most one row, so it multiplies nothing
const SELECT = `
  SELECT u.*, g."permissions" AS "groupPermissions", ${SESSION_COLUMNS}
  FROM "User" u
  LEFT JOIN "AuthSession" s ON s."id" = ? AND s."user" = u."id"
  LEFT JOIN "_PermissionGroup_users" m ON m."B" = u."id"
  LEFT JOIN "PermissionGroup" g ON g."id" = m."A"`

/**
 * Load a user by id, or by the SHA-256 of its customer API token (a unique index), with its
 * permissions and, when `sessionId` names one of its sessions, that session's state.
 */
export async function loadSessionUser(
  context: Context,
  by: ({ id: string } | { customerTokenHash: string }) & { sessionId?: string },
): Promise<SessionUser | null> {
  const [column, value] = 'id' in by ? ['id', by.id] : ['customerTokenHash', by.customerTokenHash]
  const sql = `${SELECT} WHERE u."${column}" = ?`
  const rows = await hotQuery(context, `session-user-by-${column}`, sql, [by.sessionId ?? null, value])
  const first = rows[0]
  if (!first) return null
  const item = itemOf(first)
  const user = {
    id: String(item.id),
    isActive: item.isActive as boolean,
    isStaff: item.isStaff as boolean,
    isSuperuser: item.isSuperuser as boolean,
    isConfirmed: item.isConfirmed as boolean,
    jwtTokenKey: typeof item.jwtTokenKey === 'string' ? item.jwtTokenKey : null,
    customerTokenLastUsedAt: item.customerTokenLastUsedAt as Date | null,
  }
  // one row per group (or one with no group): the same rule as everywhere else derives the permissions
  const permissionGroups = rows
    .filter(row => row.groupPermissions != null)
    .map(row => ({ permissions: asJson(row.groupPermissions) }))
  const sessionState = sessionStateOfRow(first)
  return { ...user, userPermissions: effectivePermissions({ ...user, permissionGroups }), sessionState, item }
}

// how each column of the statement reads into the item (null: not the item's), decided once per
// column name rather than on every request
type ColumnReader = { key: string; read: (value: unknown) => unknown } | null
const columnReaders = new Map<string, ColumnReader>()

function readerOf(column: string): ColumnReader {
  if (column === 'groupPermissions' || column.startsWith('s_') || DATABASE_ONLY.includes(column)) return null
  const key = RENAMED[column] ?? column
  if (BOOLEANS.includes(key)) return { key, read: asBoolean }
  if (DATES.includes(key)) return { key, read: asDate }
  if (JSONS.includes(key)) return { key, read: value => (value === null ? null : asJson(value)) }
  return { key, read: value => value }
}

function itemOf(row: Record<string, unknown>): Record<string, unknown> {
  const item: Record<string, unknown> = {}
  for (const column in row) {
    let reader = columnReaders.get(column)
    if (reader === undefined) {
      reader = readerOf(column)
      columnReaders.set(column, reader)
    }
    if (reader) item[reader.key] = reader.read(row[column])
  }
  return item
}

const sessionItems = new WeakMap<object, Record<string, unknown>>()

/** Remember the row a session was built from, for `me` in the same request. */
export function rememberItem(session: object, user: SessionUser): void {
  sessionItems.set(session, user.item)
}

/** The row the caller's session was built from in this request, if any. */
export function itemOfSession(session: object | undefined): Record<string, unknown> | undefined {
  return session ? sessionItems.get(session) : undefined
}

/**
 * The session data Keystone and access/ read: what the user may do in this session, nothing
 * secret. The one place STAFF_MFA_REQUIRED rules (API.md §9): a staff user's permissions apply
 * only in a session whose `amr` holds `mfa`; in any other (a password alone, a customer API token,
 * which never carries one) it acts as a customer, and `secondFactorPending` tells the Admin UI
 * to send it to enrol (auth.ts). Every access rule, the staff scope rules and `me
 * { userPermissions }` read this data, so no path grants more than the session proved.
 */
export function sessionDataOf(user: SessionUser, amr: readonly AuthMethod[] = []): SessionData {
  const data = {
    id: user.id,
    isActive: user.isActive,
    isStaff: user.isStaff,
    isSuperuser: user.isSuperuser,
    isConfirmed: user.isConfirmed,
    userPermissions: user.userPermissions,
  }
  if (!isSecondFactorPending(user, amr)) return data
  return { ...data, isStaff: false, isSuperuser: false, userPermissions: [], secondFactorPending: true }
}

/** Whether STAFF_MFA_REQUIRED holds this staff user's permissions back in a session signed in as `amr`. */
function isSecondFactorPending(user: { isStaff: boolean }, amr: readonly AuthMethod[]): boolean {
  return env.staffMfaRequired && user.isStaff && !amr.includes('mfa')
}

// how the caller proved who it is; a customer API token acts with customer scope only
export type SessionVia = 'cookie' | 'jwt' | 'customerToken'

export type Session = {
  listKey: 'User'
  itemId: string
  via: SessionVia
  // the sign-in session (userSessions.ts) the credential belongs to; none for a customer API token
  sessionId?: string
  amr?: AuthMethod[]
  // in an impersonation (amr `imp`): the staff member acting as the user, as the session's row
  // names it (the token's `act` claim is checked against it, never trusted alone: jsonWebToken.ts)
  impersonatorId?: string
  data: SessionData
}

/** What access rules read of a session: its user's powers in this session (sessionDataOf). */
export type SessionData = {
  id: string
  isActive: boolean
  // false for a staff user whose session lacks the second factor STAFF_MFA_REQUIRED asks for
  isStaff: boolean
  isSuperuser: boolean
  isConfirmed?: boolean
  userPermissions: Permission[]
  // a staff user acting as a customer until it signs in with a second factor (STAFF_MFA_REQUIRED)
  secondFactorPending?: true
}

export function sessionOf(user: SessionUser, via: SessionVia, signIn?: SessionState): Session {
  const session: Session = { listKey: 'User', itemId: user.id, via, data: sessionDataOf(user, signIn?.amr) }
  if (signIn) Object.assign(session, { sessionId: signIn.id, amr: signIn.amr })
  if (signIn && isImpersonation(signIn)) session.impersonatorId = signIn.actorId
  rememberItem(session, user)
  return session
}

/** Whether a sign-in session is an impersonation: staff acting as the user (API.md §10). */
export function isImpersonation(signIn: { amr?: readonly AuthMethod[] } | undefined): boolean {
  return Boolean(signIn?.amr?.includes('imp'))
}

/**
 * Whether the staff member of an impersonation may still act: active, confirmed staff holding
 * IMPERSONATE_USER (a superuser holds it). Read on every request of the impersonation, so a
 * demotion, a group change or a deactivation ends it from the next request.
 */
export async function impersonatorMayAct(context: Context, impersonation: SessionState): Promise<boolean> {
  const { actorId, actorSessionId } = impersonation
  if (!actorId || !actorSessionId) return false
  const actor = await loadSessionUser(context, { id: actorId, sessionId: actorSessionId })
  if (!actor || !actor.isActive || !actor.isStaff || !actor.isConfirmed) return false
  // the staff session it acts from is still alive: signing out, sessionRevoke, tokensDeactivateAll
  // or a credential change of the staff member ends its impersonations too
  if (!actor.sessionState || !isSessionAlive(actor.sessionState, actor.jwtTokenKey)) return false
  // the permission as the staff session holds it (STAFF_MFA_REQUIRED included): the one rule
  return sessionHolds(sessionOf(actor, 'jwt', actor.sessionState), 'IMPERSONATE_USER')
}

/**
 * Who acts in a session, for the account events its changes record: the impersonating staff member
 * in an impersonation, else the signed-in user; null for none. Every event that takes its actor
 * from the caller's session takes it from here, so a change made under impersonation names the
 * staff member in the customer's own history.
 */
export function actorIdOf(session: Session | undefined): string | null {
  if (!session) return null
  if (isImpersonation(session) && session.impersonatorId) return session.impersonatorId
  return session.itemId
}

/**
 * Give a context that acts as this user, for answers that return the user a proof has just shown
 * the caller to be (tokenCreate, setPassword, a confirmation link): the caller is still anonymous,
 * but the payload is the user's own. It carries no more than the proof: the sign-in session the
 * proof began (`sessionId`), or none, and without a session it reads no sessions
 * (services/accounts/sessions.ts).
 */
export async function actingAs(context: Context, userId: string, sessionId?: string): Promise<Context> {
  const user = await loadSessionUser(context, { id: userId, sessionId })
  if (!user) return context
  const signIn =
    user.sessionState && isSessionAlive(user.sessionState, user.jwtTokenKey) ? user.sessionState : undefined
  return context.withSession(sessionOf(user, 'jwt', signIn))
}

// the session predicates every access rule is built from (access/permissions.ts, the staff scope rules)

/**
 * Staff who are active and confirmed (the shop's word: see effectivePermissions). A promoted
 * account's password, the only way into it, survives promotion only on a proven mailbox
 * (services/users/promotion.ts), so a registrant of a future staff member's email holds nothing.
 */
export function isActiveStaffSession(session: Session | undefined): boolean {
  return Boolean(session?.data.isActive && session.data.isStaff && session.data.isConfirmed !== false)
}

export function isSuperuserSession(session: Session | undefined): boolean {
  return isActiveStaffSession(session) && Boolean(session?.data.isSuperuser)
}

export function sessionHolds(session: Session | undefined, permission: Permission): boolean {
  if (!session || !isActiveStaffSession(session)) return false
  return session.data.isSuperuser || session.data.userPermissions.includes(permission)
}
