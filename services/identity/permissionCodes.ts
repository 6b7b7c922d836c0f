// The permission vocabulary (Saleor's PermissionEnum) and how a user's effective permissions and
// channels are derived.
import type { Context } from '../../generated/keystone/types'

export const PERMISSIONS = [
  'MANAGE_USERS',
  'MANAGE_STAFF',
  'MANAGE_PRODUCTS',
  'MANAGE_ORDERS',
  'MANAGE_DISCOUNTS',
  'MANAGE_SHIPPING',
  'MANAGE_CHANNELS',
  'MANAGE_CHECKOUTS',
  'MANAGE_APPS',
  'MANAGE_SETTINGS',
  'MANAGE_TRANSLATIONS',
  'HANDLE_PAYMENTS',
  'MANAGE_GIFT_CARD',
  'MANAGE_PAGE_TYPES_AND_ATTRIBUTES',
  'IMPERSONATE_USER',
] as const

export type Permission = (typeof PERMISSIONS)[number]

export function isPermission(value: unknown): value is Permission {
  return typeof value === 'string' && (PERMISSIONS as readonly string[]).includes(value)
}

type PermissionSource = {
  isActive: boolean
  isStaff: boolean
  isConfirmed?: boolean | null
  isSuperuser: boolean
  // a group's permissions as stored (a JSON array) or as a set
  permissionGroups: Iterable<{ permissions: unknown }>
}

/**
 * Compute the permissions a user holds: the one rule behind sessions, the scope rules
 * (services/staff/scope.ts) and the User list's userPermissions field.
 *
 * Only active, confirmed staff hold permissions: a user removed from staff, deactivated, or
 * promoted while unconfirmed keeps none, whatever groups still list them. `isConfirmed` here is the
 * shop's word, not proof of the mailbox (services/users/emailProof.ts): staff creating a staff user
 * vouch for it. What keeps a registrant out of a promoted account is the password rule
 * (services/users/promotion.ts): a staff password was chosen either by the manager who created or
 * promoted the account, or by whoever redeemed a link mailed to its address. A
 * superuser holds every permission, unless `superuserHoldsAll` is false: then only what its
 * groups grant (the scope rules do not count on superusers to keep permissions manageable).
 */
export function effectivePermissions(
  user: PermissionSource,
  options: { superuserHoldsAll?: boolean } = {},
): Permission[] {
  if (!user.isActive || !user.isStaff || user.isConfirmed === false) return []
  if (user.isSuperuser && options.superuserHoldsAll !== false) return [...PERMISSIONS]
  const held = new Set<Permission>()
  for (const group of user.permissionGroups) {
    const permissions = group.permissions
    if (!Array.isArray(permissions) && !(permissions instanceof Set)) continue
    for (const permission of permissions) if (isPermission(permission)) held.add(permission)
  }
  return PERMISSIONS.filter(p => held.has(p))
}

type ChannelGrant = { restrictedAccessToChannels: boolean; channelIds: Iterable<string> }

/**
 * Compute the channels a staff user reaches: all of them for a superuser or a member of any
 * unrestricted group, otherwise those its groups name (none without a group). Callers decide
 * whether the user is staff and active; this is the one rule for which channels follow.
 */
export function effectiveChannels(user: { isSuperuser: boolean }, groups: Iterable<ChannelGrant>): 'ALL' | Set<string> {
  if (user.isSuperuser) return 'ALL'
  const channels = new Set<string>()
  for (const group of groups) {
    if (!group.restrictedAccessToChannels) return 'ALL'
    for (const id of group.channelIds) channels.add(id)
  }
  return channels
}

/** The permission groups of a user, shaped for effectivePermissions and effectiveChannels. */
export async function loadPermissionGroupsOf(context: Context, userId: string) {
  const groups = await context.prisma.permissionGroup.findMany({
    where: { users: { some: { id: userId } } },
    include: { accessibleChannels: { select: { id: true } } },
  })
  return groups.map(g => ({
    id: g.id,
    permissions: g.permissions,
    restrictedAccessToChannels: g.restrictedAccessToChannels,
    channelIds: g.accessibleChannels.map(c => c.id),
  }))
}
