// Who may call: booleans read from the session. Used by list operation access, mutation
// guards and ui.isAccessAllowed. Permissions come from the session, which is rebuilt from the
// database on every request, so a change of groups takes effect on the next call.
import { isActiveStaffSession, isSuperuserSession, sessionHolds, type Session } from '../services/identity'
import type { Permission } from '../services/identity'
import { webhookEventsWithin, type WebhookEvent, type WebhookPermission } from '../services/messaging'

export type SessionArgs = { session?: Session }

// signed in with any kind of credential, customer or staff
export function isSignedIn({ session }: SessionArgs): boolean {
  return Boolean(session?.data.isActive)
}

// staff who are still active and whose email was proved: the only users the Admin UI admits;
// an account someone registered under a future staff member's email holds nothing until then
export function isActiveStaff({ session }: SessionArgs): boolean {
  return isActiveStaffSession(session)
}

export function isSuperuser({ session }: SessionArgs): boolean {
  return isSuperuserSession(session)
}

export function hasPermission(session: Session | undefined, permission: Permission): boolean {
  return sessionHolds(session, permission)
}

// grants managing customers: their accounts, addresses and customer groups
export function canManageUsers({ session }: SessionArgs): boolean {
  return hasPermission(session, 'MANAGE_USERS')
}

// grants managing staff accounts and permission groups (within the scope rules of services/staff/scope.ts)
export function canManageStaff({ session }: SessionArgs): boolean {
  return hasPermission(session, 'MANAGE_STAFF')
}

// grants creating, editing and deleting channels
export function canManageChannels({ session }: SessionArgs): boolean {
  return hasPermission(session, 'MANAGE_CHANNELS')
}

// grants registering webhooks and reading their deliveries
export function canManageApps({ session }: SessionArgs): boolean {
  return hasPermission(session, 'MANAGE_APPS')
}

/** What the caller holds, as the webhook rule asks it (services/messaging/webhookEvents.ts). */
export function webhookPermissionsOf({ session }: SessionArgs): (permission: WebhookPermission) => boolean {
  return permission => hasPermission(session, permission)
}

// the webhook events the caller may subscribe to and whose deliveries it may read: MANAGE_APPS,
// plus MANAGE_USERS for customers' events and MANAGE_STAFF for staff's (a superuser: all)
export function webhookEventsOf(args: SessionArgs): WebhookEvent[] {
  return webhookEventsWithin(webhookPermissionsOf(args))
}

export function canManageUsersOrStaff(args: SessionArgs): boolean {
  return canManageUsers(args) || canManageStaff(args)
}

export function deny(): boolean {
  return false
}
