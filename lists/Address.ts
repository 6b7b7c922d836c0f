// The Address list: a user's address book. The owner is set once, at creation, and never moves.
import { list } from '@keystone-6/core'
import { json, relationship, text } from '@keystone-6/core/fields'
import type { BaseListTypeInfo, FieldTypeFunc } from '@keystone-6/core/types'
import type { Lists } from '../generated/keystone/types'
import { deny, isSignedIn, canManageUsersOrStaff } from '../access/permissions'
import { deletableAddresses, readableAddresses, updatableAddresses } from '../access/rules'
import { MAX_ADDRESSES_PER_USER, countAddresses } from '../services/addresses'
import { metadataField } from './metadataField'

function line<ListTypeInfo extends BaseListTypeInfo> (max = 256): FieldTypeFunc<ListTypeInfo> {
  return text({ validation: { length: { max } } })
}

export const Address: Lists.Address = list({
  access: {
    operation: { query: isSignedIn, create: isSignedIn, update: isSignedIn, delete: isSignedIn },
    filter: { query: readableAddresses, update: updatableAddresses, delete: deletableAddresses },
  },
  ui: {
    hideNavigation: args => !canManageUsersOrStaff(args),
    labelField: 'streetAddress1',
    listView: { initialColumns: ['user', 'firstName', 'lastName', 'streetAddress1', 'city', 'postalCode', 'country'] },
  },
  hooks: {
    resolveInput: {
      // a caller who names no owner adds the address to its own book
      create: ({ resolvedData, context }) => {
        if (!resolvedData.user && context.session?.itemId) return { ...resolvedData, user: { connect: { id: context.session.itemId } } }
        return resolvedData
      },
    },
    validate: {
      create: async ({ resolvedData, context, addValidationError }) => {
        const userId = (resolvedData.user as { connect?: { id?: string } } | undefined)?.connect?.id
        if (!userId) return addValidationError('An address needs an owner (user).')
        if (await countAddresses(context, userId) >= MAX_ADDRESSES_PER_USER) {
          addValidationError(`A user may keep at most ${MAX_ADDRESSES_PER_USER} addresses; delete one first.`)
        }
      },
    },
  },
  fields: {
    // connecting is checked against the caller's read access to users: a customer can only name itself
    user: relationship({
      ref: 'User.addresses',
      access: { update: deny },
      ui: { itemView: { fieldMode: 'read' } },
    }),
    firstName: line(),
    lastName: line(),
    companyName: line(),
    streetAddress1: line(),
    streetAddress2: line(),
    city: line(),
    cityArea: line(128),
    postalCode: line(20),
    country: text({ validation: { isRequired: true, length: { min: 2, max: 2 } } }),
    countryArea: line(128),
    phone: line(32),
    metadata: metadataField(),
  },
})
