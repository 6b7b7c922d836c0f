// Which fields: field-access presets and the item-aware checks behind them, applied in lists/.
import { isImpersonation, type Session } from '../services/identity'
import { canManageStaff, canManageUsers, deny, isActiveStaff, isSuperuser } from './permissions'

type ItemArgs = { session?: Session; item?: Record<string, unknown> }

/**
 * Tell whether the caller manages this user: superusers manage everyone, MANAGE_STAFF manages
 * staff and MANAGE_USERS manages customers. Nobody manages a user through the other's permission.
 */
export function managesUser({ session, item }: ItemArgs): boolean {
  if (!session || !item || !isActiveStaff({ session })) return false
  if (isSuperuser({ session })) return true
  return item.isStaff === true ? canManageStaff({ session }) : canManageUsers({ session })
}

export function isSelf({ session, item }: ItemArgs): boolean {
  return Boolean(session && item && String(item.id) === session.itemId)
}

// a manager editing somebody else: self-service goes through flows that re-check the password
export function managesOtherUser(args: ItemArgs): boolean {
  return managesUser(args) && !isSelf(args)
}

export function isSelfOrManager(args: ItemArgs): boolean {
  return isSelf(args) || managesUser(args)
}

/**
 * Not in an impersonation: for settings that would outlive it by sending the customer's data
 * somewhere (the order webhook URL), which staff acting as the customer may not set. The same
 * predicate guards the custom mutations that write them (mutations/shared/guards.ts refuseImpersonation).
 */
export function notImpersonating({ session }: ItemArgs): boolean {
  return !isImpersonation(session)
}

// secrets (hashes, token keys): never in the API, never in the Admin UI; services write them with sudo
export const secret = {
  access: { read: deny, create: deny, update: deny },
  graphql: { omit: true },
  ui: {
    createView: { fieldMode: 'hidden' as const },
    itemView: { fieldMode: 'hidden' as const },
    listView: { fieldMode: 'hidden' as const },
  },
}

// kept by the system (timestamps, counters): readable with the row, never written through the API
export const system = {
  access: { create: deny, update: deny },
  ui: {
    createView: { fieldMode: 'hidden' as const },
    itemView: { fieldMode: 'read' as const },
  },
}

// about a user, for the staff who manage that user only; the user never reads or writes it
export const staffOnly = {
  access: {
    read: managesUser,
    create: ({ session }: ItemArgs) => canManageUsers({ session }) || canManageStaff({ session }),
    update: managesUser,
  },
}

// settable by the managers of the user only, readable with the row
export const managerWritable = {
  access: {
    create: ({ session }: ItemArgs) => canManageUsers({ session }) || canManageStaff({ session }),
    update: managesUser,
  },
}
