// Saleor's address input and address type, shared by the account and staff address mutations,
// and the `address` payload field that answers with the caller's own access rules.
import type { BaseSchemaMeta } from '@keystone-6/core/graphql-ts'
import { g, type Assert, type InputOf, type SameKeys } from './g'
import { MetadataInput, metadataFromInput } from './payloads'
import type { AddressInput as AddressChanges } from '../../services/addresses'

export const AddressTypeEnum = g.enum({ name: 'AddressTypeEnum', values: g.enumValues(['SHIPPING', 'BILLING']) })

export const AddressInput = g.inputObject({
  name: 'AddressInput',
  fields: {
    firstName: g.arg({ type: g.String }),
    lastName: g.arg({ type: g.String }),
    companyName: g.arg({ type: g.String }),
    streetAddress1: g.arg({ type: g.String }),
    streetAddress2: g.arg({ type: g.String }),
    city: g.arg({ type: g.String }),
    cityArea: g.arg({ type: g.String }),
    postalCode: g.arg({ type: g.String }),
    country: g.arg({ type: g.String, description: 'ISO 3166-1 alpha-2 code, e.g. PL.' }),
    countryArea: g.arg({ type: g.String }),
    phone: g.arg({ type: g.String }),
    metadata: g.arg({ type: g.list(g.nonNull(MetadataInput)) }),
  },
})

// the service's address and this input name the same fields
type AddressFieldsAgree = Assert<SameKeys<InputOf<typeof AddressInput>, AddressChanges>>

/** Copy an AddressInput field by field into the service's shape. */
export function cleanAddressInput(input: InputOf<typeof AddressInput>): AddressChanges {
  const { metadata, ...fields } = input
  return { ...fields, ...(metadata !== undefined ? { metadata: metadataFromInput(metadata) ?? null } : {}) }
}

export function addressField<Source extends { addressId?: string }>(base: BaseSchemaMeta) {
  return g.field({
    type: base.object('Address'),
    resolve: (source: Source, _args, context) =>
      source.addressId ? context.db.Address.findOne({ where: { id: source.addressId } }) : null,
  })
}

/** The address a delete answers with: the row as it was, since it can no longer be read. */
export function deletedAddressField<Source extends { address?: object }>(base: BaseSchemaMeta) {
  return g.field({ type: base.object('Address'), resolve: (source: Source) => source.address ?? null })
}
