// The webhook event vocabulary (Saleor's WebhookEventTypeAsyncEnum, the account part), whose
// people each event carries, and the one rule that follows from it: subscribing to an event and
// reading its deliveries needs what reading those people needs, MANAGE_USERS for customers and
// MANAGE_STAFF for staff, on top of MANAGE_APPS for webhooks at all.
import { DomainError } from '../kernel'

export const WEBHOOK_EVENTS = [
  'CUSTOMER_CREATED',
  'CUSTOMER_UPDATED',
  'CUSTOMER_DELETED',
  'CUSTOMER_METADATA_UPDATED',
  'ACCOUNT_CONFIRMATION_REQUESTED',
  'ACCOUNT_CONFIRMED',
  'ACCOUNT_SET_PASSWORD_REQUESTED',
  'ACCOUNT_CHANGE_EMAIL_REQUESTED',
  'ACCOUNT_EMAIL_CHANGED',
  'ACCOUNT_DELETE_REQUESTED',
  'ACCOUNT_DELETED',
  'STAFF_CREATED',
  'STAFF_UPDATED',
  'STAFF_DELETED',
  'STAFF_SET_PASSWORD_REQUESTED',
  'PERMISSION_GROUP_CREATED',
  'PERMISSION_GROUP_UPDATED',
  'PERMISSION_GROUP_DELETED',
  'ADDRESS_CREATED',
  'ADDRESS_UPDATED',
  'ADDRESS_DELETED',
  'SESSION_REVOKED',
  'REFRESH_TOKEN_REUSED',
] as const

export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number]

/** Whose personal data a payload carries; an event that may carry either names both. */
export type WebhookAudience = 'customers' | 'staff'

/** The permissions the webhook rule names (a subset of services/identity's vocabulary). */
export type WebhookPermission = 'MANAGE_APPS' | 'MANAGE_USERS' | 'MANAGE_STAFF'

const CUSTOMERS = ['customers'] as const
const STAFF = ['staff'] as const
const EITHER = ['customers', 'staff'] as const

// WARNING: an emitter sends an event only about the people it names here (emitWebhookEvent checks
// a payload's user against it): a staff member's change goes out as a STAFF_* event, never ACCOUNT_*
const AUDIENCES: Record<WebhookEvent, readonly WebhookAudience[]> = {
  CUSTOMER_CREATED: CUSTOMERS,
  CUSTOMER_UPDATED: CUSTOMERS,
  CUSTOMER_DELETED: CUSTOMERS,
  CUSTOMER_METADATA_UPDATED: CUSTOMERS,
  ACCOUNT_CONFIRMATION_REQUESTED: CUSTOMERS,
  ACCOUNT_CONFIRMED: CUSTOMERS,
  ACCOUNT_SET_PASSWORD_REQUESTED: CUSTOMERS,
  ACCOUNT_CHANGE_EMAIL_REQUESTED: CUSTOMERS,
  ACCOUNT_EMAIL_CHANGED: CUSTOMERS,
  ACCOUNT_DELETE_REQUESTED: CUSTOMERS,
  ACCOUNT_DELETED: CUSTOMERS,
  STAFF_CREATED: STAFF,
  STAFF_UPDATED: STAFF,
  STAFF_DELETED: STAFF,
  STAFF_SET_PASSWORD_REQUESTED: STAFF,
  // a group's payload lists its members, who are staff
  PERMISSION_GROUP_CREATED: STAFF,
  PERMISSION_GROUP_UPDATED: STAFF,
  PERMISSION_GROUP_DELETED: STAFF,
  // an address belongs to a customer or to a staff member, and the event does not say which
  ADDRESS_CREATED: EITHER,
  ADDRESS_UPDATED: EITHER,
  ADDRESS_DELETED: EITHER,
  // a session belongs to a customer or to a staff member
  SESSION_REVOKED: EITHER,
  REFRESH_TOKEN_REUSED: EITHER,
}

// reading customers needs MANAGE_USERS, reading staff MANAGE_STAFF (access/rules.ts readableUsers)
const READS: Record<WebhookAudience, WebhookPermission> = { customers: 'MANAGE_USERS', staff: 'MANAGE_STAFF' }

export function isWebhookEvent(value: unknown): value is WebhookEvent {
  return typeof value === 'string' && (WEBHOOK_EVENTS as readonly string[]).includes(value)
}

/**
 * Name the permissions that subscribing to `event` and reading its deliveries (payloads, counts,
 * filters) require: MANAGE_APPS, and what reading the people the event carries requires. The one
 * rule behind the Webhook list's writes and the WebhookDelivery list's rows. A name outside the
 * vocabulary asks for everything.
 */
export function webhookEventPermissions(event: unknown): WebhookPermission[] {
  const audience = isWebhookEvent(event) ? AUDIENCES[event] : EITHER
  return ['MANAGE_APPS', ...audience.map(side => READS[side])]
}

/** The events a caller holding what `holds` says may subscribe to and read, in vocabulary order. */
export function webhookEventsWithin(holds: (permission: WebhookPermission) => boolean): WebhookEvent[] {
  return WEBHOOK_EVENTS.filter(event => webhookEventPermissions(event).every(holds))
}

/**
 * Refuse events outside the caller's reach: one OUT_OF_SCOPE_PERMISSION problem on `events`
 * naming each such event and the permissions it lacks. Changing a webhook touches the events it
 * had as well as those it gets: pass both.
 */
export function assertWebhookEventsWithin(
  events: Iterable<unknown>,
  holds: (permission: WebhookPermission) => boolean,
): void {
  const missing = new Set<WebhookPermission>()
  const refused: string[] = []
  for (const event of new Set(events)) {
    const lacks = webhookEventPermissions(event).filter(permission => !holds(permission))
    if (!lacks.length) continue
    refused.push(String(event))
    for (const permission of lacks) missing.add(permission)
  }
  if (!refused.length) return
  throw new DomainError({
    field: 'events',
    code: 'OUT_OF_SCOPE_PERMISSION',
    message: `You need ${[...missing].join(' and ')} to manage a webhook on ${refused.join(', ')}.`,
    permissions: [...missing],
  })
}

/**
 * Throw (a programming error) when a payload's user is not one of the people `event` may carry:
 * a staff member on a customer event would reach readers who may not read staff, and the reverse.
 */
export function assertWebhookSubject(event: WebhookEvent, payload: Record<string, unknown>): void {
  const user = payload.user as { isStaff?: unknown } | null | undefined
  if (!user || typeof user !== 'object' || typeof user.isStaff !== 'boolean') return
  const side: WebhookAudience = user.isStaff ? 'staff' : 'customers'
  if (!AUDIENCES[event].includes(side))
    throw new Error(`a ${event} webhook cannot carry a ${user.isStaff ? 'staff member' : 'customer'}`)
}
