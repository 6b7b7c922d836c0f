// The self-service lifecycle (register, confirm, passwords, email change, deletion), profiles, customers managed by staff, the Admin UI account actions. Imports every other module.
// This file is the module's whole surface: code outside services/accounts/ imports from here only.
export { createCustomer, deleteCustomers, findCustomer, updateCustomer } from './customers'
export type { CustomerInput } from './customers'
// the self-service lifecycle, one operation a file (Payload's auth/operations/)
export { changePassword } from './lifecycle/changePassword'
export { confirmAccount } from './lifecycle/confirmAccount'
export { confirmEmailChange } from './lifecycle/confirmEmailChange'
export { deleteAccount } from './lifecycle/deleteAccount'
export { registerAccount } from './lifecycle/registerAccount'
export type { RegisterInput } from './lifecycle/registerAccount'
export { requestAccountDeletion } from './lifecycle/requestAccountDeletion'
export { requestEmailChange } from './lifecycle/requestEmailChange'
export { requestPasswordReset } from './lifecycle/requestPasswordReset'
export { setPasswordWithToken } from './lifecycle/setPasswordWithToken'
export {
  resendConfirmationAsStaff,
  sendPasswordResetAsStaff,
  setActiveAsStaff,
  signOutEverywhereAsStaff,
} from './staffActions'
export { ONBOARDING_STATUSES, updateProfile } from './profile'
export { reachesSecondFactorOf, resetSecondFactorAsStaff, secondFactorsOf } from './secondFactorReset'
export type { SecondFactors } from './secondFactorReset'
export { reachesSessionsOf, refreshTokens, revokeOtherSessions, revokeSession, sessionsOf } from './sessions'
export type { SessionListing } from './sessions'
// turning TOTP on and off, and the second step of a sign-in, one operation a file
export { answerMfaChallenge } from './secondFactor/answerMfaChallenge'
export { confirmTotp } from './secondFactor/confirmTotp'
export { disableTotp } from './secondFactor/disableTotp'
export { regenerateRecoveryCodes } from './secondFactor/regenerateRecoveryCodes'
export { setupTotp } from './secondFactor/setupTotp'
export { signInWithMfaForTokens } from './secondFactor/signInWithMfa'
export { addPasskey, passkeysOf, removeOwnPasskey, renameOwnPasskey } from './passkeys'
export { MAX_IMPERSONATION_REASON_LENGTH, impersonateCustomer } from './impersonation'
export { exportCustomerData, exportOwnData, exportUserData } from './dataExport'
export type { AccountDataExport } from './dataExport'
export { USER_COLUMNS, USER_RELATIONS } from './dataExportPlan'
export type { ColumnPlan, ExportAudience, RelationPlan } from './dataExportPlan'
// accounts behind an OpenID Connect provider, one operation a file; the linking rule is linkExternalIdentity
export { externalAccountsOf } from './external/externalAccountsOf'
export { linkExternalIdentity } from './external/linkExternalIdentity'
export { signInExternallyForAdmin } from './external/signInForAdmin'
export { signInExternallyForTokens } from './external/signInForTokens'
export { externalSignInUrl } from './external/signInUrl'
export { externalSignOutUrl } from './external/signOutUrl'
export { unlinkExternalAccount } from './external/unlinkExternalAccount'
