// addressCreate, addressUpdate, addressDelete, addressSetDefault: staff manage a customer's address
// book through the same service as the customer's own mutations; a staff user's book is NOT_FOUND.
// Access: MANAGE_USERS. Effects: none beyond the address. Twin: accountAddressCreate / Update / Delete / accountSetDefaultAddress.
import type { BaseSchemaMeta } from '@keystone-6/core/graphql-ts'
import { g } from '../shared/g'
import { errorsField, withErrorsList, type WithErrors } from '../shared/errors'
import { requirePermission } from '../shared/guards'
import { userField } from '../shared/payloads'
import { AddressInput, AddressTypeEnum, addressField, cleanAddressInput, deletedAddressField, type AddressInputArgs } from '../shared/addressInputs'
import { createAddress, deleteAddress, ownerOfAddress, setDefaultAddress, updateAddress } from '../../services/addresses'
import { findCustomer } from '../../services/accounts'

type Source = WithErrors & { userId?: string, addressId?: string, address?: object }

function payload (base: BaseSchemaMeta, name: string) {
  return g.object<Source>()({ name, fields: { user: userField<Source>(base), address: addressField<Source>(base), errors: errorsField<Source>() } })
}

export const addressCreate = (base: BaseSchemaMeta) => g.field({
  type: payload(base, 'AddressCreatePayload'),
  args: { userId: g.arg({ type: g.nonNull(g.ID) }), input: g.arg({ type: g.nonNull(AddressInput) }) },
  resolve: withErrorsList(async ({ userId, input }: { userId: string, input: AddressInputArgs }, context) => {
    requirePermission(context, 'MANAGE_USERS')
    const customer = await findCustomer(context.sudo(), userId, 'userId')
    return { userId: customer.id, addressId: await createAddress(context.sudo(), { userId: customer.id, input: cleanAddressInput(input) }) }
  }),
})

export const addressUpdate = (base: BaseSchemaMeta) => g.field({
  type: payload(base, 'AddressUpdatePayload'),
  args: { id: g.arg({ type: g.nonNull(g.ID) }), input: g.arg({ type: g.nonNull(AddressInput) }) },
  resolve: withErrorsList(async ({ id, input }: { id: string, input: AddressInputArgs }, context) => {
    requirePermission(context, 'MANAGE_USERS')
    const customer = await findCustomer(context.sudo(), await ownerOfAddress(context.sudo(), id), 'id')
    await updateAddress(context.sudo(), { userId: customer.id, addressId: id, input: cleanAddressInput(input) })
    return { userId: customer.id, addressId: id }
  }),
})

export const addressDelete = (base: BaseSchemaMeta) => g.field({
  type: g.object<Source>()({
    name: 'AddressDeletePayload',
    fields: {
      user: userField<Source>(base),
      address: deletedAddressField<Source>(base),
      errors: errorsField<Source>(),
    },
  }),
  args: { id: g.arg({ type: g.nonNull(g.ID) }) },
  resolve: withErrorsList(async ({ id }: { id: string }, context) => {
    requirePermission(context, 'MANAGE_USERS')
    const customer = await findCustomer(context.sudo(), await ownerOfAddress(context.sudo(), id), 'id')
    return { userId: customer.id, address: await deleteAddress(context.sudo(), { userId: customer.id, addressId: id }) }
  }),
})

export const addressSetDefault = (base: BaseSchemaMeta) => g.field({
  type: payload(base, 'AddressSetDefaultPayload'),
  args: { addressId: g.arg({ type: g.nonNull(g.ID) }), type: g.arg({ type: g.nonNull(AddressTypeEnum) }), userId: g.arg({ type: g.nonNull(g.ID) }) },
  resolve: withErrorsList(async ({ addressId, type, userId }: { addressId: string, type: 'SHIPPING' | 'BILLING', userId: string }, context) => {
    requirePermission(context, 'MANAGE_USERS')
    const customer = await findCustomer(context.sudo(), userId, 'userId')
    await setDefaultAddress(context.sudo(), { userId: customer.id, addressId, type })
    return { userId: customer.id, addressId }
  }),
})
