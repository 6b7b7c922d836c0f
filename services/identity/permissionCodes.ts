// The permission vocabulary (Saleor's PermissionEnum) and how a user's effective permissions are derived.

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

export function isPermission (value: unknown): value is Permission {
  return typeof value === 'string' && (PERMISSIONS as readonly string[]).includes(value)
}

type PermissionSource = {
  isActive: boolean
  isStaff: boolean
  isConfirmed?: boolean
  isSuperuser: boolean
  permissionGroups: readonly { permissions: unknown }[]
}

/**
 * Compute the permissions a user holds right now.
 *
 * Only active, confirmed staff hold permissions: a user removed from staff, deactivated, or
 * promoted before anyone proved its email keeps none, whatever groups still list them. A
 * superuser holds every permission.
 */
export function effectivePermissions (user: PermissionSource): Permission[] {
  if (!user.isActive || !user.isStaff || user.isConfirmed === false) return []
  if (user.isSuperuser) return [...PERMISSIONS]
  const held = new Set<Permission>()
  for (const group of user.permissionGroups) {
    if (!Array.isArray(group.permissions)) continue
    for (const permission of group.permissions) if (isPermission(permission)) held.add(permission)
  }
  return PERMISSIONS.filter(p => held.has(p))
}
