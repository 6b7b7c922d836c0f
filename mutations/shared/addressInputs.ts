// Saleor's address input and address type, shared by the account and staff address mutations,
// and the `address` payload field that answers with the caller's own access rules.
import type { BaseSchemaMeta } from '@keystone-6/core/graphql-ts'
import { g } from './g'
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

export type AddressInputArgs = {
  [
    K in
      | 'firstName'
      | 'lastName'
      | 'companyName'
      | 'streetAddress1'
      | 'streetAddress2'
      | 'city'
      | 'cityArea'
      | 'postalCode'
      | 'country'
      | 'countryArea'
      | 'phone'
  ]?: string | null
} & { metadata?: readonly { key: string; value: string }[] | null }

/** Copy an AddressInput field by field into the service's shape. */
export function cleanAddressInput(input: AddressInputArgs): AddressChanges {
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
