// The PermissionGroup list: what staff may do, and in which channels. Managed with MANAGE_STAFF;
// staff see the groups they belong to.
import { list } from '@keystone-6/core'
import { checkbox, relationship, text } from '@keystone-6/core/fields'
import type { Lists } from '../generated/keystone/types'
import { canManageStaff } from '../access/permissions'
import { readablePermissionGroups } from '../access/rules'
import { permissionList } from './permissionEnum'
import { validatePermissionGroupChange } from './scopeHooks'

export const PermissionGroup: Lists.PermissionGroup = list({
  access: {
    operation: { query: () => true, create: canManageStaff, update: canManageStaff, delete: canManageStaff },
    filter: { query: readablePermissionGroups },
  },
  // staff without MANAGE_STAFF reach only their own groups, by address, and read them without a form
  fieldDefaults: { ui: { itemView: { fieldMode: args => (canManageStaff(args) ? 'edit' : 'read') } } },
  ui: {
    hideNavigation: args => !canManageStaff(args),
    hideCreate: args => !canManageStaff(args),
    hideDelete: args => !canManageStaff(args),
    labelField: 'name',
  },
  hooks: {
    // the staff scope rules, on the generated mutations and in the Admin UI too
    validate: {
      create: async ({ resolvedData, context, addValidationError }) =>
        validatePermissionGroupChange({ operation: 'create', resolvedData, context, addValidationError }),
      update: async ({ resolvedData, item, context, addValidationError }) =>
        validatePermissionGroupChange({ operation: 'update', item, resolvedData, context, addValidationError }),
      delete: async ({ item, context, addValidationError }) =>
        validatePermissionGroupChange({ operation: 'delete', item, context, addValidationError }),
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
