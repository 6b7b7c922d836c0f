// The self-service lifecycle (register, confirm, passwords, email change, deletion), profiles, customers managed by staff, channels. Imports every other module.
// This file is the module's whole surface: code outside services/accounts/ imports from here only.
export { createCustomer, deleteCustomers, findCustomer, updateCustomer } from './customers'
export type { CustomerInput } from './customers'
export {
  changePassword,
  confirmAccount,
  confirmEmailChange,
  deleteAccount,
  registerAccount,
  requestAccountDeletion,
  requestEmailChange,
  requestPasswordReset,
  setPasswordWithToken,
} from './lifecycle'
export type { RegisterInput } from './lifecycle'
export {
  resendConfirmationAsStaff,
  sendPasswordResetAsStaff,
  setActiveAsStaff,
  signOutEverywhereAsStaff,
} from './staffActions'
export { ONBOARDING_STATUSES, updateProfile } from './profile'
