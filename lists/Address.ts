// The Address list: a user's address book. The owner is set once, at creation, and never moves.
import { gWithContext, list } from '@keystone-6/core'
import { relationship, text, virtual } from '@keystone-6/core/fields'
import type { BaseListTypeInfo, FieldTypeFunc } from '@keystone-6/core/types'
import type { Context, Lists } from '../generated/keystone/types'
import { deny, isSignedIn, canManageUsersOrStaff } from '../access/permissions'
import { deletableAddresses, readableAddresses, updatableAddresses } from '../access/rules'
import { ADDRESS_FIELDS, addressLabelOf, assertAddressBookHasRoom, clearDefaultsOn } from '../services/addresses'
import { validateAddress, type AddressFields, type NormalizedAddress } from '../services/addresses'
import { DomainError } from '../services/kernel'
import { actorIdOf, type Session } from '../services/identity'
import { metadataField } from './metadataField'
import { reportDomainErrors } from './hooks/domainErrors'

const g = gWithContext<Context>()

function line<ListTypeInfo extends BaseListTypeInfo>(max = 256): FieldTypeFunc<ListTypeInfo> {
  return text({ validation: { length: { max } } })
}

export const Address: Lists.Address = list({
  access: {
    operation: { query: isSignedIn, create: isSignedIn, update: isSignedIn, delete: isSignedIn },
    filter: { query: readableAddresses, update: updatableAddresses, delete: deletableAddresses },
  },
  ui: {
    hideNavigation: args => !canManageUsersOrStaff(args),
    // one readable line wherever an address is named: "Street 1, 00-950 Warszawa, PL"
    labelField: 'label',
    // two columns share the width: the line and its owner stay whole at 1280 px
    listView: { initialColumns: ['label', 'user'] },
  },
  hooks: {
    resolveInput: {
      // a caller who names no owner adds the address to its own book; values are stored normalised
      create: async ({ resolvedData, context }) => {
        const owned =
          !resolvedData.user && context.session?.itemId
            ? { ...resolvedData, user: { connect: { id: context.session.itemId } } }
            : resolvedData
        return { ...owned, ...(await normalisedOrNothing(resolvedData)) }
      },
      update: async ({ resolvedData, item }) => ({
        ...resolvedData,
        ...(await normalisedOrNothing(merged(item, resolvedData))),
      }),
    },
    validate: {
      create: async ({ resolvedData, context, addValidationError }) => {
        const userId = (resolvedData.user as { connect?: { id?: string } } | undefined)?.connect?.id
        if (!userId) return addValidationError('An address needs an owner (user).')
        await reportDomainErrors(addValidationError, () => assertAddressBookHasRoom(context, userId), 'field')
        await reportProblems(resolvedData, addValidationError)
      },
      update: async ({ resolvedData, item, addValidationError }) =>
        reportProblems(merged(item, resolvedData), addValidationError),
    },
    // a default that names the address is cleared first, announced as a change of its owner, as
    // the book's own deletes do (services/addresses/book.ts: clearDefaultsOn)
    beforeOperation: {
      delete: async ({ item, context }) =>
        clearDefaultsOn(context, item, { actorId: actorIdOf(context.session as Session | undefined) }),
    },
  },
  fields: {
    // connecting is checked against the caller's read access to users: a customer can only name itself
    user: relationship({
      ref: 'User.addresses',
      access: { update: deny },
      ui: { itemView: { fieldMode: 'read' } },
    }),
    // the address on one line (services/addresses/label.ts), what the Admin UI names it by; the
    // item page reads its title from it, so it is shown there too (as text, in the sidebar)
    label: virtual({
      ui: {
        label: 'Address',
        views: './admin/views/text',
        createView: { fieldMode: 'hidden' },
        itemView: { fieldMode: 'read', fieldPosition: 'sidebar' },
      },
      field: g.field({ type: g.nonNull(g.String), resolve: item => addressLabelOf(item) }),
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

// the generated API and the Admin UI validate through the same per-country rules as the mutations
function merged(item: Record<string, unknown>, changes: Record<string, unknown>): Record<string, unknown> {
  // resolvedData names every field, the untouched ones as undefined
  return { ...item, ...Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined)) }
}

function addressFieldsOf(data: Record<string, unknown>): AddressFields {
  const fields: AddressFields = {}
  for (const key of ADDRESS_FIELDS) fields[key] = typeof data[key] === 'string' ? (data[key] as string) : ''
  return fields
}

async function normalisedOrNothing(data: Record<string, unknown>): Promise<Partial<NormalizedAddress>> {
  try {
    return await validateAddress(addressFieldsOf(data))
  } catch (error) {
    if (error instanceof DomainError) return {}
    throw error
  }
}

async function reportProblems(
  data: Record<string, unknown>,
  addValidationError: (message: string) => void,
): Promise<void> {
  await reportDomainErrors(addValidationError, () => validateAddress(addressFieldsOf(data)), 'field')
}
