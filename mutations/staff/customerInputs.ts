// Inputs shared by the staff-side customer and staff mutations.
import { g, type Assert, type InputOf, type SameKeys } from '../shared/g'
import { MetadataInput, metadataFromInput } from '../shared/payloads'
import { AddressInput, cleanAddressInput } from '../shared/addressInputs'
import type { CustomerInput as CustomerChanges } from '../../services/accounts'

export const CustomerInput = g.inputObject({
  name: 'CustomerInput',
  fields: {
    email: g.arg({ type: g.String }),
    firstName: g.arg({ type: g.String }),
    lastName: g.arg({ type: g.String }),
    isActive: g.arg({ type: g.Boolean }),
    isConfirmed: g.arg({ type: g.Boolean }),
    note: g.arg({ type: g.String, description: 'A staff note, added as a paragraph.' }),
    languageCode: g.arg({ type: g.String }),
    externalReference: g.arg({ type: g.String }),
    metadata: g.arg({ type: g.list(g.nonNull(MetadataInput)) }),
    privateMetadata: g.arg({ type: g.list(g.nonNull(MetadataInput)) }),
    defaultShippingAddress: g.arg({ type: AddressInput }),
    defaultBillingAddress: g.arg({ type: AddressInput }),
    redirectUrl: g.arg({ type: g.String, description: 'customerCreate: mail a link to set the password.' }),
    channel: g.arg({ type: g.String }),
  },
})

// the service's customer and this input name the same fields
type CustomerFieldsAgree = Assert<SameKeys<InputOf<typeof CustomerInput>, CustomerChanges>>

export function cleanCustomerInput(input: InputOf<typeof CustomerInput>): CustomerChanges {
  return {
    ...input,
    metadata: metadataFromInput(input.metadata),
    privateMetadata: metadataFromInput(input.privateMetadata),
    defaultShippingAddress: input.defaultShippingAddress ? cleanAddressInput(input.defaultShippingAddress) : undefined,
    defaultBillingAddress: input.defaultBillingAddress ? cleanAddressInput(input.defaultBillingAddress) : undefined,
  }
}
