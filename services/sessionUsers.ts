// Who is calling, in one database round trip: the user's flags, its token key and the
// permissions of its groups, read together by one statement for every kind of credential
// (a Bearer access token, a customer API token, the Admin UI cookie). Nothing here is cached:
// a revocation or a change of groups that has committed is seen by the very next request, in
// every process.
import type { Context } from '../generated/keystone/types'
import { effectivePermissions, type Permission } from './permissions'
import { asBoolean, asDate, asJson, bind } from './sql'

export type SessionUser = {
  id: string
  isActive: boolean
  isStaff: boolean
  isSuperuser: boolean
  isConfirmed: boolean
  jwtTokenKey: string | null
  customerTokenLastUsedAt: Date | null
  userPermissions: Permission[]
}

const SELECT = `
  SELECT u."id", u."isActive", u."isStaff", u."isSuperuser", u."isConfirmed", u."jwtTokenKey",
         u."customerTokenLastUsedAt", g."permissions"
  FROM "User" u
  LEFT JOIN "_PermissionGroup_users" m ON m."B" = u."id"
  LEFT JOIN "PermissionGroup" g ON g."id" = m."A"`

/** Load a user by id, or by the SHA-256 of its customer API token (a unique index), with its permissions. */
export async function loadSessionUser (context: Context, by: { id: string } | { customerTokenHash: string }): Promise<SessionUser | null> {
  const [where, value] = 'id' in by ? ['u."id" = ?', by.id] : ['u."customerTokenHash" = ?', by.customerTokenHash]
  const rows = await context.prisma.$queryRaw<Record<string, unknown>[]>(...bind(`${SELECT} WHERE ${where}`, [value]))
  const first = rows[0]
  if (!first) return null
  const user = {
    id: String(first.id),
    isActive: asBoolean(first.isActive),
    isStaff: asBoolean(first.isStaff),
    isSuperuser: asBoolean(first.isSuperuser),
    isConfirmed: asBoolean(first.isConfirmed),
    jwtTokenKey: typeof first.jwtTokenKey === 'string' ? first.jwtTokenKey : null,
    customerTokenLastUsedAt: asDate(first.customerTokenLastUsedAt),
  }
  // one row per group (or one with no group): the same rule as everywhere else derives the permissions
  const permissionGroups = rows.filter(row => row.permissions != null).map(row => ({ permissions: asJson(row.permissions) }))
  return { ...user, userPermissions: effectivePermissions({ ...user, permissionGroups }) }
}

/** The session data Keystone and access/ read: what the user may do, nothing secret. */
export function sessionDataOf (user: SessionUser) {
  return {
    id: user.id,
    isActive: user.isActive,
    isStaff: user.isStaff,
    isSuperuser: user.isSuperuser,
    isConfirmed: user.isConfirmed,
    userPermissions: user.userPermissions,
  }
}
