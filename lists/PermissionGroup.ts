// The PermissionGroup list: what staff may do, and in which channels. Managed with MANAGE_STAFF;
// staff see the groups they belong to.
import { list } from '@keystone-6/core'
import { checkbox, relationship, text } from '@keystone-6/core/fields'
import type { Lists } from '../generated/keystone/types'
import { canManageStaff } from '../access/permissions'
import { readablePermissionGroups } from '../access/rules'
import { permissionList } from './permissionEnum'

export const PermissionGroup: Lists.PermissionGroup = list({
  access: {
    operation: { query: () => true, create: canManageStaff, update: canManageStaff, delete: canManageStaff },
    filter: { query: readablePermissionGroups },
  },
  ui: { hideNavigation: args => !canManageStaff(args), labelField: 'name' },
  hooks: {
    validate: {
      // permission groups are for staff: a customer must be promoted (staffCreate) first
      create: async ({ resolvedData, context, addValidationError }) => assertStaffMembers(resolvedData.users, context, addValidationError),
      update: async ({ resolvedData, context, addValidationError }) => assertStaffMembers(resolvedData.users, context, addValidationError),
    },
  },
  fields: {
    name: text({ isIndexed: 'unique', validation: { isRequired: true, length: { max: 150 } } }),
    permissions: permissionList(),
    users: relationship({ ref: 'User.permissionGroups', many: true }),
    restrictedAccessToChannels: checkbox({ defaultValue: false }),
    accessibleChannels: relationship({ ref: 'Channel.permissionGroups', many: true }),
  },
})

async function assertStaffMembers (input: unknown, context: any, addValidationError: (message: string) => void) {
  const connect = (input as { connect?: { id?: string }[] } | undefined)?.connect ?? []
  const ids = connect.map(c => c.id).filter((id): id is string => typeof id === 'string')
  if (ids.length === 0) return
  const customers = await context.sudo().db.User.count({ where: { id: { in: ids }, isStaff: { equals: false } } })
  if (customers > 0) addValidationError('Only staff users can be members of a permission group.')
}
