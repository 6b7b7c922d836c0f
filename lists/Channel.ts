// The Channel list: sales channels a staff member's access can be restricted to.
import { list } from '@keystone-6/core'
import { checkbox, relationship, text } from '@keystone-6/core/fields'
import type { Lists } from '../generated/keystone/types'
import { canManageChannels, deny, isActiveStaff } from '../access/permissions'
import { readableChannels } from '../access/rules'

export const Channel: Lists.Channel = list({
  access: {
    operation: { query: () => true, create: canManageChannels, update: canManageChannels, delete: canManageChannels },
    filter: { query: readableChannels },
  },
  ui: { hideNavigation: args => !isActiveStaff(args), labelField: 'name' },
  fields: {
    name: text({ validation: { isRequired: true, length: { max: 250 } } }),
    slug: text({
      isIndexed: 'unique',
      validation: {
        isRequired: true,
        match: {
          regex: /^[a-z0-9]+(?:-[a-z0-9]+)*$/,
          explanation: 'slug must be lower-case letters, digits and dashes',
        },
      },
    }),
    isActive: checkbox({ defaultValue: true }),
    defaultCountry: text({ validation: { isRequired: true, length: { min: 2, max: 2 } } }),
    // assigned from the group side only, where the channel scope rules run
    permissionGroups: relationship({
      ref: 'PermissionGroup.accessibleChannels',
      many: true,
      access: { read: isActiveStaff, create: deny, update: deny },
      ui: { createView: { fieldMode: 'hidden' }, itemView: { fieldMode: 'read' } },
    }),
  },
})
