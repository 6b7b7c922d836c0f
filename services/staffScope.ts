// What an actor may grant. Owns: who may create or re-role a user (customers are managed with
// MANAGE_USERS, staff with MANAGE_STAFF, isSuperuser by superusers only). Called by the
// validate hooks of lists/User.ts, so the generated API and the Admin UI obey it too.
import type { Session } from '../auth'
import { canManageStaff, canManageUsers, isSuperuser } from '../access/permissions'

type UserChange = {
  session?: Session
  operation: 'create' | 'update'
  item?: { id: unknown, isStaff?: unknown, isSuperuser?: unknown }
  data: { isStaff?: unknown, isSuperuser?: unknown }
}

/** List why this actor may not make this change to a user's role (empty when it may). */
export function userRoleProblems ({ session, operation, item, data }: UserChange): string[] {
  if (isSuperuser({ session })) return []
  const problems: string[] = []
  const wasStaff = item?.isStaff === true
  const willBeStaff = data.isStaff === undefined ? wasStaff : data.isStaff === true

  if (operation === 'create') {
    // escalation: a customer manager must not mint staff, a staff manager must not mint customers
    if (willBeStaff && !canManageStaff({ session })) problems.push('Creating a staff user requires MANAGE_STAFF.')
    if (!willBeStaff && !canManageUsers({ session })) problems.push('Creating a customer requires MANAGE_USERS.')
  } else if (wasStaff !== willBeStaff && !canManageStaff({ session })) {
    problems.push('Changing whether a user is staff requires MANAGE_STAFF.')
  }

  const wasSuperuser = item?.isSuperuser === true
  if (data.isSuperuser !== undefined && (data.isSuperuser === true) !== wasSuperuser) {
    problems.push('Only a superuser may grant or remove superuser status.')
  }
  return problems
}
