// What follows a change of a User row, on every path that writes one (the generated API and the
// Admin UI through lists/User.ts, staffCreate/staffUpdate, customerCreate/customerUpdate, the
// profile mutations and the self-service lifecycle): the promotion's effects, signing out, the
// account events, the *_CREATED / *_UPDATED webhook and the search document. It runs inside the
// transaction that wrote the change; the caller kicks the webhook worker after commit.
// Where paths record different events today, CAUSES below says so, one row a path.
import type { Context } from '../../generated/keystone/types'
import { endSessionsAndLinks } from '../identity'
import { emitWebhookEvent, userWebhookPayload, type WebhookEvent } from '../messaging'
import { recordAccountEvent, type AccountEventType } from './accountEvents'
import { isPromotion } from './promotion'
import { assertProofFollowsEmail } from './emailProof'
import { refreshSearchDocument } from './searchDocument'

/** The path a change came by; each has its row in CAUSES. */
export type UserChangeCause =
  | 'generated'
  | 'staff'
  | 'customerManager'
  | 'profile'
  | 'register'
  | 'confirmation'
  | 'passwordReset'
  | 'passwordChange'
  | 'emailChange'

/** The User row as Prisma and the list's hooks see it. */
export type UserRow = NonNullable<Awaited<ReturnType<Context['prisma']['user']['findUnique']>>>

/** An event a path records besides the ones derived from the change (STAFF_UPDATED, NOTE_ADDED, PASSWORD_RESET…). */
export type ExtraAccountEvent = { type: AccountEventType; parameters?: Record<string, unknown> }

export type UserChange = {
  before: UserRow | null
  after: UserRow
  actorId: string | null
  cause: UserChangeCause
  events?: ExtraAccountEvent[]
  /** Parameters of the ACCOUNT_CREATED* or STAFF_PROMOTED event, when the path names its own. */
  parameters?: Record<string, unknown>
  /** Instead of the cause's *_CREATED / *_UPDATED webhook: another event (with payload fields besides the user), or none. */
  webhook?: { event: WebhookEvent; extra?: Record<string, unknown> } | null
}

type Derived =
  | 'STAFF_PROMOTED'
  | 'EMAIL_ASSIGNED'
  | 'NAME_ASSIGNED'
  | 'PASSWORD_CHANGED'
  | 'ACCOUNT_ACTIVATED'
  | 'ACCOUNT_DEACTIVATED'

type CauseRow = {
  /** The event a new user is recorded with, or null for none. */
  created: AccountEventType | null
  /** The events this path records when the change shows them. */
  derived: readonly Derived[]
  /** Whether the *_CREATED / *_UPDATED webhook (by isStaff) goes out by default. */
  createdWebhook: boolean
  updatedWebhook: boolean
  /** Whether a customer's changed metadata also sends CUSTOMER_METADATA_UPDATED. */
  metadataWebhook: boolean
  /** The webhook a promotion sends instead of STAFF_UPDATED. */
  promotionWebhook?: WebhookEvent
}

const NONE: CauseRow = {
  created: null,
  derived: [],
  createdWebhook: false,
  updatedWebhook: false,
  metadataWebhook: false,
}

// Today's differences between paths, kept as they are. The generated createUser records no event and
// sends no webhook; the generated updateUser records PASSWORD_CHANGED but no ACCOUNT_ACTIVATED or
// NAME_ASSIGNED, and no CUSTOMER_METADATA_UPDATED. The lifecycle's own events (ACCOUNT_ACTIVATED for a
// confirmation, PASSWORD_RESET, EMAIL_CHANGED) and webhooks are passed by its callers.
const CAUSES: Record<UserChangeCause, CauseRow> = {
  generated: {
    ...NONE,
    derived: ['STAFF_PROMOTED', 'EMAIL_ASSIGNED', 'PASSWORD_CHANGED', 'ACCOUNT_DEACTIVATED'],
    updatedWebhook: true,
  },
  staff: {
    created: 'ACCOUNT_CREATED_FROM_STAFF',
    derived: ['STAFF_PROMOTED', 'EMAIL_ASSIGNED', 'ACCOUNT_ACTIVATED', 'ACCOUNT_DEACTIVATED'],
    createdWebhook: true,
    updatedWebhook: true,
    metadataWebhook: false,
    // staffCreate on a customer's email: the staff user is new to the staff's listeners
    promotionWebhook: 'STAFF_CREATED',
  },
  customerManager: {
    created: 'ACCOUNT_CREATED_FROM_STAFF',
    derived: ['EMAIL_ASSIGNED', 'NAME_ASSIGNED', 'ACCOUNT_ACTIVATED', 'ACCOUNT_DEACTIVATED'],
    createdWebhook: true,
    updatedWebhook: true,
    metadataWebhook: true,
  },
  profile: { ...NONE, derived: ['NAME_ASSIGNED'], updatedWebhook: true, metadataWebhook: true },
  register: { ...NONE, created: 'ACCOUNT_CREATED', createdWebhook: true },
  confirmation: NONE,
  passwordReset: NONE,
  passwordChange: { ...NONE, derived: ['PASSWORD_CHANGED'] },
  emailChange: NONE,
}

// the fields the search document is made of (services/users/searchDocument.ts)
const SEARCHED = ['email', 'firstName', 'lastName', 'name', 'phone'] as const

/** The lifecycle webhook of a user by its side of isStaff: STAFF_* or CUSTOMER_*. */
export function userWebhookEvent(kind: 'CREATED' | 'UPDATED' | 'DELETED', user: { isStaff: boolean }): WebhookEvent {
  return `${user.isStaff ? 'STAFF' : 'CUSTOMER'}_${kind}` as const
}

/** The events a change records on its path, in the order they are written (pure; the tests read it). */
export function accountEventsOf(change: UserChange): ExtraAccountEvent[] {
  const { before, after, cause } = change
  const row = CAUSES[cause]
  const events: ExtraAccountEvent[] = []
  if (!before) {
    if (row.created) events.push({ type: row.created, ...(change.parameters ? { parameters: change.parameters } : {}) })
    return [...events, ...(change.events ?? [])]
  }
  const promoted = isPromotion(before, after)
  const derived = new Set(row.derived)
  if (promoted && derived.has('STAFF_PROMOTED')) {
    events.push({ type: 'STAFF_PROMOTED', parameters: change.parameters ?? { confirmed: after.isConfirmed } })
  }
  if (before.email !== after.email && derived.has('EMAIL_ASSIGNED')) {
    events.push({ type: 'EMAIL_ASSIGNED', parameters: { old_email: before.email, new_email: after.email } })
  }
  const renamed =
    before.firstName !== after.firstName || before.lastName !== after.lastName || before.name !== after.name
  if (renamed && derived.has('NAME_ASSIGNED')) {
    events.push({
      type: 'NAME_ASSIGNED',
      parameters: { message: [after.firstName, after.lastName].filter(Boolean).join(' ') || after.name },
    })
  }
  if (passwordChanged(before, after) && derived.has('PASSWORD_CHANGED')) events.push({ type: 'PASSWORD_CHANGED' })
  if (before.isActive !== after.isActive) {
    const type = after.isActive ? 'ACCOUNT_ACTIVATED' : 'ACCOUNT_DEACTIVATED'
    if (derived.has(type)) events.push({ type })
  }
  return [...events, ...(change.events ?? [])]
}

/** The webhooks a change sends on its path, in order (pure). */
export function webhooksOf(change: UserChange): { event: WebhookEvent; extra?: Record<string, unknown> }[] {
  const { before, after, cause } = change
  const row = CAUSES[cause]
  const hooks: { event: WebhookEvent; extra?: Record<string, unknown> }[] = []
  if (change.webhook) hooks.push(change.webhook)
  else if (change.webhook === undefined) {
    if (!before && row.createdWebhook) hooks.push({ event: userWebhookEvent('CREATED', after) })
    else if (before && isPromotion(before, after) && row.promotionWebhook) hooks.push({ event: row.promotionWebhook })
    else if (before && row.updatedWebhook) hooks.push({ event: userWebhookEvent('UPDATED', after) })
  }
  if (
    before &&
    row.metadataWebhook &&
    !after.isStaff &&
    JSON.stringify(before.metadata) !== JSON.stringify(after.metadata)
  ) {
    hooks.push({ event: 'CUSTOMER_METADATA_UPDATED' })
  }
  return hooks
}

/**
 * Run, inside `tx`, everything that follows a change of a user row (`before` null: a new user).
 * The caller calls kickWebhooks() after the commit.
 */
export async function afterUserChange(tx: Context, change: UserChange): Promise<void> {
  const { before, after, actorId } = change
  // a new email keeps no proof of the old mailbox, on any path (services/users/emailProof.ts)
  assertProofFollowsEmail(change)
  if (before && (isPromotion(before, after) || before.email !== after.email)) {
    // links mailed to the customer (confirmation, reset) die with its other credentials; links
    // mailed to an old address die with it, so none of them can prove (or reset) the new one
    await tx.prisma.oneTimeToken.deleteMany({ where: { userId: after.id, usedAt: null } })
  }
  // a new email or password, a deactivation or a promotion ends every session, unless the write
  // rotated the token key itself (the lifecycle flows and the promotion rule do)
  const endsSessions =
    before &&
    (before.email !== after.email ||
      passwordChanged(before, after) ||
      (before.isActive && !after.isActive) ||
      isPromotion(before, after))
  if (endsSessions && before.jwtTokenKey === after.jwtTokenKey) await endSessionsAndLinks(tx, after.id)
  for (const event of accountEventsOf(change)) {
    await recordAccountEvent(tx, {
      type: event.type,
      userId: after.id,
      actorId,
      ...(event.parameters ? { parameters: event.parameters } : {}),
    })
  }
  if (before && SEARCHED.some(field => before[field] !== after[field])) await refreshSearchDocument(tx, after.id)
  const hooks = webhooksOf(change)
  if (!hooks.length) return
  // the payload as the row stands after everything above
  const user = await tx.prisma.user.findUniqueOrThrow({ where: { id: after.id } })
  for (const hook of hooks)
    await emitWebhookEvent(tx, { event: hook.event, payload: { user: userWebhookPayload(user), ...hook.extra } })
}

// a password the promotion dropped (the customer never proved its email) is no change of password by anyone
function passwordChanged(before: UserRow, after: UserRow): boolean {
  return before.password !== after.password && !(isPromotion(before, after) && after.password === null)
}
