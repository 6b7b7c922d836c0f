// The address book and per-country address validation. Imports kernel, users.
// This file is the module's whole surface: code outside services/addresses/ imports from here only.
export {
  ADDRESS_FIELDS,
  MAX_ADDRESSES_PER_USER,
  assertAddressBookHasRoom,
  clearDefaultsOn,
  createAddress,
  deleteAddress,
  isAddressOfUser,
  ownerOfAddress,
  pickAddressFields,
  setDefaultAddress,
  updateAddress,
} from './book'
export type { AddressInput } from './book'
export { addressLabelOf } from './label'
export { parsePhone } from './phone'
export type { PhoneOutcome } from './phone'
export { addressValidationRules, validateAddress } from './validation'
export type { AddressFields, AddressValidationData, ChoiceValue, NormalizedAddress } from './validation'
