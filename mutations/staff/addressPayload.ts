// The payload shared by the staff address mutations: the customer as `user`, the address it
// touched, read with the caller's own access rules, and `errors`.
import type { BaseSchemaMeta } from '@keystone-6/core/graphql-ts'
import { g } from '../shared/g'
import { errorsField, type WithErrors } from '../shared/errors'
import { userField } from '../shared/payloads'
import { addressField } from '../shared/addressInputs'

export type AddressPayloadSource = WithErrors & { userId?: string; addressId?: string; address?: object }

export function addressPayload(base: BaseSchemaMeta, name: string) {
  return g.object<AddressPayloadSource>()({
    name,
    fields: {
      user: userField<AddressPayloadSource>(base, 'caller'),
      address: addressField<AddressPayloadSource>(base),
      errors: errorsField<AddressPayloadSource>(),
    },
  })
}
