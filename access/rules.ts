// Which rows: filters built from the session. Used by list filter access and reused by custom
// queries, so a row hidden from the generated API is hidden everywhere.
import type { Session } from '../services/identity'
import { WEBHOOK_EVENTS } from '../services/messaging'
import { canManageStaff, canManageUsers, isActiveStaff, isSignedIn, isSuperuser, webhookEventsOf } from './permissions'

export type Filter = boolean | Record<string, unknown>
type Args = { session?: Session }

function self(session: Session): Record<string, unknown> {
  return { id: { equals: session.itemId } }
}

/**
 * Users the caller may read: MANAGE_USERS sees customers, MANAGE_STAFF sees staff, both see
 * everyone; everybody sees themselves and an anonymous caller sees no user.
 */
export function readableUsers({ session }: Args): Filter {
  if (!session || !isSignedIn({ session })) return false
  const customers = canManageUsers({ session })
  const staff = canManageStaff({ session })
  if (isSuperuser({ session }) || (customers && staff)) return true
  if (customers) return { OR: [{ isStaff: { equals: false } }, self(session)] }
  if (staff) return { OR: [{ isStaff: { equals: true } }, self(session)] }
  // default to only seeing yourself
  return self(session)
}

// the same rows may be edited; which fields of them is up to access/fields.ts
export const updatableUsers = readableUsers

/**
 * Users the caller may delete through the generated API: those it manages, never itself
 * (self-service deletion is the confirmed accountDelete flow) and never a superuser.
 */
export function deletableUsers({ session }: Args): Filter {
  if (!session || !isActiveStaff({ session })) return false
  const customers = canManageUsers({ session })
  const staff = canManageStaff({ session })
  if (!customers && !staff) return false
  const notSelf = { NOT: [self(session)] }
  const notSuperuser = { isSuperuser: { equals: false } }
  if (isSuperuser({ session }) || (customers && staff)) return { AND: [notSelf, notSuperuser] }
  return { AND: [notSelf, notSuperuser, { isStaff: { equals: staff } }] }
}

// addresses follow their owner: whoever may read the user may read its addresses
export function readableAddresses({ session }: Args): Filter {
  const users = readableUsers({ session })
  if (typeof users === 'boolean') return users
  return { user: users }
}

export const updatableAddresses = readableAddresses
export const deletableAddresses = readableAddresses

// customers see the groups they belong to (the names only: see lists/CustomerGroup.ts)
export function readableCustomerGroups({ session }: Args): Filter {
  if (!session || !isSignedIn({ session })) return false
  if (canManageUsers({ session })) return true
  return { users: { some: self(session) } }
}

// staff see the groups they belong to; MANAGE_STAFF sees every group
export function readablePermissionGroups({ session }: Args): Filter {
  if (!session || !isSignedIn({ session })) return false
  if (canManageStaff({ session })) return true
  return { users: { some: self(session) } }
}

// storefronts read active channels without signing in; staff see inactive ones too
export function readableChannels({ session }: Args): Filter {
  if (isActiveStaff({ session })) return true
  return { isActive: { equals: true } }
}

// mails follow their recipient: MANAGE_USERS reads customers' mail, MANAGE_STAFF staff mail
export function readableOutboxMails({ session }: Args): Filter {
  return readableAccountEvents({ session })
}

// a user's account history is for the staff who manage that user, never for the user
export function readableAccountEvents({ session }: Args): Filter {
  if (!session || !(canManageUsers({ session }) || canManageStaff({ session }))) return false
  const users = readableUsers({ session })
  if (typeof users === 'boolean') return users
  return { user: users }
}

// deliveries follow the people their event carries: only the events the caller may subscribe to
// (webhookEventsOf), whoever made the webhook; so do their payloads, counts and filters into them
export function readableWebhookDeliveries({ session }: Args): Filter {
  const events = webhookEventsOf({ session })
  if (events.length === 0) return false
  if (events.length === WEBHOOK_EVENTS.length) return true
  return { event: { in: events } }
}
