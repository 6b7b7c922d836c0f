// The CustomerGroup list: segments of customers, managed with MANAGE_USERS. A customer sees the
// names of its own groups and nothing else about them.
import { list } from '@keystone-6/core'
import { json, relationship, text } from '@keystone-6/core/fields'
import type { Lists } from '../generated/keystone/types'
import { canManageUsers } from '../access/permissions'
import { readableCustomerGroups } from '../access/rules'
import { metadataField } from './metadataField'

const managersOnly = { access: { read: canManageUsers } }

export const CustomerGroup: Lists.CustomerGroup = list({
  access: {
    operation: { query: () => true, create: canManageUsers, update: canManageUsers, delete: canManageUsers },
    filter: { query: readableCustomerGroups },
  },
  ui: { hideNavigation: args => !canManageUsers(args), labelField: 'name' },
  fields: {
    name: text({ isIndexed: 'unique', validation: { isRequired: true, length: { max: 256 } } }),
    description: text({ ui: { displayMode: 'textarea' }, ...managersOnly }),
    metadata: metadataField(managersOnly),
    users: relationship({ ref: 'User.customerGroups', many: true, ...managersOnly }),
  },
})
