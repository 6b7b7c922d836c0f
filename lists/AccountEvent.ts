// The AccountEvent list: a user's account history (Saleor's CustomerEvent). Written by services
// only, read by the staff who manage the user, never edited or deleted.
import { list } from '@keystone-6/core'
import { json, relationship, select, timestamp } from '@keystone-6/core/fields'
import type { Lists } from '../generated/keystone/types'
import { canManageUsersOrStaff, deny } from '../access/permissions'
import { readableAccountEvents } from '../access/rules'
import { ACCOUNT_EVENT_TYPES } from '../services/users'

export const AccountEvent: Lists.AccountEvent = list({
  access: {
    operation: { query: canManageUsersOrStaff, create: deny, update: deny, delete: deny },
    filter: { query: readableAccountEvents },
  },
  // the list refuses every write: its page shows the fields read-only rather than as a form that fails
  fieldDefaults: { ui: { itemView: { fieldMode: 'read' } } },
  ui: {
    hideNavigation: args => !canManageUsersOrStaff(args),
    hideCreate: true,
    hideDelete: true,
    labelField: 'type',
    listView: { initialColumns: ['date', 'type', 'user', 'actor'], initialSort: { field: 'date', direction: 'DESC' } },
  },
  fields: {
    type: select({ type: 'string', options: [...ACCOUNT_EVENT_TYPES], validation: { isRequired: true } }),
    date: timestamp({ defaultValue: { kind: 'now' }, isIndexed: true }),
    user: relationship({ ref: 'User.events' }),
    actor: relationship({ ref: 'User' }),
    parameters: json({ defaultValue: {} }),
  },
})
