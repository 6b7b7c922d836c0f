// What follows a change of a User row, on every path that writes one (the generated API and the
// Admin UI through lists/User.ts, staffCreate/staffUpdate, customerCreate/customerUpdate, the
// profile mutations and the self-service lifecycle): the sign-out, the account events, the webhooks
// and the search document. The state before and after the change decides them, the same on every
// path; an operation adds only what is its own intent, as Saleor's operations call the functions
// of account/events.py: its own events (PASSWORD_RESET, EMAIL_CHANGED, NOTE_ADDED, STAFF_UPDATED…)
// and its own webhook in place of *_UPDATED (ACCOUNT_CONFIRMED, ACCOUNT_EMAIL_CHANGED).
//
// The rules of the state (before → after):
//   account events
//     no user → a user         ACCOUNT_CREATED when the actor is the user itself, else
//                              ACCOUNT_CREATED_FROM_STAFF; a staff user's with its { groups }
//     isStaff false → true     STAFF_PROMOTED { groups, confirmed }
//     email differs            EMAIL_ASSIGNED { old_email, new_email }, unless the intent is EMAIL_CHANGED
//     a name differs           NAME_ASSIGNED { message: the new name }
//     password differs         PASSWORD_CHANGED, unless the intent is PASSWORD_RESET (the password a
//                              promotion drops is no change of password)
//     isActive false → true    ACCOUNT_ACTIVATED; true → false: ACCOUNT_DEACTIVATED
//     An intent event that states the same fact takes the derived one's place: one fact, one event.
//   webhooks (CUSTOMER_* or STAFF_* by isStaff after the change)
//     no user → a user         *_CREATED
//     isStaff false → true     STAFF_CREATED: the user is new to the staff's listeners (Saleor's staffCreate)
//     credentials alone        none: the password, the token keys, the second factor and the mailbox proof (with the
//                              confirmation a fresh proof brings) are in no payload, and the user has
//                              just acted on its own secret or mail (Saleor's lifecycle table:
//                              passwordChange and setPassword send none)
//     any other change         *_UPDATED
//     and, for a customer      CUSTOMER_METADATA_UPDATED when its metadata differs
//   sign-out
//     a new email or password, a deactivation or a promotion ends every session and every unused
//     one-time link (the token key rotates unless the write rotated it itself)
// It runs inside the transaction that wrote the change; what it queues leaves after the commit.
import type { Context } from '../../generated/keystone/types'
import { endSessions } from '../identity'
import { emitWebhookEvent, userWebhookPayload, type WebhookEvent } from '../messaging'
import { recordAccountEvent, type AccountEventType } from './accountEvents'
import { isPromotion } from './promotion'
import { assertProofFollowsEmail, hasProvenMailbox } from './emailProof'

/** The User row as Prisma and the list's hooks see it. */
export type UserRow = NonNullable<Awaited<ReturnType<Context['prisma']['user']['findUnique']>>>

/** An account event, with its parameters. */
export type AccountEventOf = { type: AccountEventType; parameters?: Record<string, unknown> }

/** A webhook a change sends, with payload fields besides the user. */
export type UserWebhook = { event: WebhookEvent; extra?: Record<string, unknown> }

export type UserChange = {
  before: UserRow | null
  after: UserRow
  actorId: string | null
  /** The events that are the operation's own intent (PASSWORD_RESET, EMAIL_CHANGED, NOTE_ADDED, STAFF_UPDATED…). */
  events?: AccountEventOf[]
  /** The operation's own webhook, in place of the *_CREATED / *_UPDATED the state sends. */
  webhook?: UserWebhook
}

/** What the row alone does not hold: the ids of the user's permission groups after the change. */
export type ChangeFacts = { groups: string[] }

// the derived event whose fact an intent event states in its operation's words
const STATES: Partial<Record<AccountEventType, AccountEventType>> = {
  EMAIL_CHANGED: 'EMAIL_ASSIGNED',
  PASSWORD_RESET: 'PASSWORD_CHANGED',
}

// the columns no listener is told of: the secrets (the second factor's among them) and the proof of the mailbox
const CREDENTIALS = new Set([
  'password',
  'jwtTokenKey',
  'customerTokenHash',
  'totpSecret',
  'totpPendingSecret',
  'totpEnabledAt',
  'totpLastStep',
  'emailVerifiedAt',
  'emailVerifiedBy',
])

/** The lifecycle webhook of a user by its side of isStaff: STAFF_* or CUSTOMER_*. */
export function userWebhookEvent(kind: 'CREATED' | 'UPDATED' | 'DELETED', user: { isStaff: boolean }): WebhookEvent {
  return `${user.isStaff ? 'STAFF' : 'CUSTOMER'}_${kind}` as const
}

/** The events a change records, in the order they are written: the state's, then the intent's (pure). */
export function accountEventsOf(change: UserChange, facts: ChangeFacts = { groups: [] }): AccountEventOf[] {
  const intent = change.events ?? []
  const stated = new Set(intent.flatMap(event => [event.type, STATES[event.type]]))
  const derived = stateEventsOf(change, facts).filter(event => !stated.has(event.type))
  return [...derived, ...intent]
}

/** The webhooks a change sends, in order (pure). */
export function webhooksOf(change: UserChange): UserWebhook[] {
  const { before, after } = change
  const lifecycle = change.webhook ?? lifecycleWebhookOf(before, after)
  const metadata = before && !after.isStaff && !sameValue(before.metadata, after.metadata)
  return [...(lifecycle ? [lifecycle] : []), ...(metadata ? [{ event: 'CUSTOMER_METADATA_UPDATED' as const }] : [])]
}

// whether the change ends the user's sessions and unused links: a new email or password, a deactivation, a promotion
function endsSessions(before: UserRow, after: UserRow): boolean {
  return (
    before.email !== after.email ||
    passwordChanged(before, after) ||
    (before.isActive && !after.isActive) ||
    isPromotion(before, after)
  )
}

/**
 * Run, inside `tx`, everything that follows a change of a user row (`before` null: a new user).
 * What it queues leaves after the outermost commit (services/kernel/transactions.ts).
 */
export async function afterUserChange(tx: Context, change: UserChange): Promise<void> {
  const { before, after, actorId } = change
  // a new email keeps no proof of the old mailbox, on any path (services/users/emailProof.ts)
  assertProofFollowsEmail(change)
  if (before && endsSessions(before, after)) {
    // links mailed to the customer (confirmation, reset) die with its other credentials; links
    // mailed to an old address die with it, so none of them can prove (or reset) the new one
    await tx.prisma.oneTimeToken.deleteMany({ where: { userId: after.id, usedAt: null } })
    // and every session, unless the write rotated the token key itself (the lifecycle flows and the promotion rule do)
    if (before.jwtTokenKey === after.jwtTokenKey) await endSessions(tx, after.id)
  }
  for (const event of accountEventsOf(change, await factsOf(tx, change))) {
    const { type, parameters } = event
    await recordAccountEvent(tx, { type, userId: after.id, actorId, ...(parameters ? { parameters } : {}) })
  }
  const hooks = webhooksOf(change)
  if (!hooks.length) return
  // the payload as the row stands after everything above
  const user = await tx.prisma.user.findUniqueOrThrow({ where: { id: after.id } })
  for (const hook of hooks)
    await emitWebhookEvent(tx, { event: hook.event, payload: { user: userWebhookPayload(user), ...hook.extra } })
}

function stateEventsOf(change: UserChange, facts: ChangeFacts): AccountEventOf[] {
  const { before, after, actorId } = change
  if (!before) {
    const type = actorId !== null && actorId === after.id ? 'ACCOUNT_CREATED' : 'ACCOUNT_CREATED_FROM_STAFF'
    return [{ type, ...(after.isStaff ? { parameters: { groups: facts.groups } } : {}) }]
  }
  const events: AccountEventOf[] = []
  if (isPromotion(before, after)) {
    events.push({ type: 'STAFF_PROMOTED', parameters: { groups: facts.groups, confirmed: after.isConfirmed } })
  }
  if (before.email !== after.email) {
    events.push({ type: 'EMAIL_ASSIGNED', parameters: { old_email: before.email, new_email: after.email } })
  }
  const name = newNameOf(before, after)
  if (name !== null) events.push({ type: 'NAME_ASSIGNED', parameters: { message: name } })
  if (passwordChanged(before, after)) events.push({ type: 'PASSWORD_CHANGED' })
  if (before.isActive !== after.isActive)
    events.push({ type: after.isActive ? 'ACCOUNT_ACTIVATED' : 'ACCOUNT_DEACTIVATED' })
  return events
}

// the name the user has now, when one of its names changed: first and last name, or Openfront's name
function newNameOf(before: UserRow, after: UserRow): string | null {
  if (before.firstName !== after.firstName || before.lastName !== after.lastName) {
    return [after.firstName, after.lastName].filter(Boolean).join(' ') || after.name
  }
  return before.name !== after.name ? after.name : null
}

function lifecycleWebhookOf(before: UserRow | null, after: UserRow): UserWebhook | null {
  if (!before) return { event: userWebhookEvent('CREATED', after) }
  if (isPromotion(before, after)) return { event: 'STAFF_CREATED' }
  if (credentialsAlone(before, after)) return null
  return { event: userWebhookEvent('UPDATED', after) }
}

// whether what changed is the user's credentials and nothing a listener is told of; a change of no
// column (a group joined, an empty input) is still an update
function credentialsAlone(before: UserRow, after: UserRow): boolean {
  const freshProof = !sameValue(before.emailVerifiedAt, after.emailVerifiedAt) && hasProvenMailbox(after)
  const changed = (Object.keys(after) as (keyof UserRow)[]).filter(
    column => column !== 'updatedAt' && !sameValue(before[column], after[column]),
  )
  return (
    changed.length > 0 && changed.every(column => CREDENTIALS.has(column) || (column === 'isConfirmed' && freshProof))
  )
}

// a password the promotion dropped (the customer never proved its email) is no change of password by anyone
function passwordChanged(before: UserRow, after: UserRow): boolean {
  return before.password !== after.password && !(isPromotion(before, after) && after.password === null)
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a instanceof Date || b instanceof Date) {
    return a instanceof Date && b instanceof Date ? a.getTime() === b.getTime() : false
  }
  if (typeof a === 'object' || typeof b === 'object') return JSON.stringify(a) === JSON.stringify(b)
  return a === b
}

/** The facts a change's events name beyond its row: only a new or promoted staff user's groups are read. */
async function factsOf(tx: Context, change: UserChange): Promise<ChangeFacts> {
  const { before, after } = change
  const staffNews = after.isStaff && (!before || isPromotion(before, after))
  if (!staffNews) return { groups: [] }
  const groups = await tx.prisma.permissionGroup.findMany({
    where: { users: { some: { id: after.id } } },
    select: { id: true },
    orderBy: { id: 'asc' },
  })
  return { groups: groups.map(group => group.id) }
}
