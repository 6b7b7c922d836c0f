// Every custom GraphQL field, one line each, grouped as in API.md section 4.
import type { GraphQLSchema } from 'graphql'
import { g } from './shared/g'
import { me } from './queries/me'
import { tokenCreate } from './authentication/tokenCreate'
import { tokenRefresh } from './authentication/tokenRefresh'
import { tokenVerify } from './authentication/tokenVerify'
import { tokensDeactivateAll } from './authentication/tokensDeactivateAll'
import { sessionRevoke } from './authentication/sessionRevoke'
import { sessionsRevokeOthers } from './authentication/sessionsRevokeOthers'
import { adminSignInWithCode } from './authentication/adminSignInWithCode'
import { adminSignInWithPasskey } from './authentication/adminSignInWithPasskey'
import { tokenCreateMfa } from './authentication/tokenCreateMfa'
import { accountTotpSetup } from './account/accountTotpSetup'
import { accountTotpConfirm } from './account/accountTotpConfirm'
import { accountTotpDisable } from './account/accountTotpDisable'
import { accountRecoveryCodesRegenerate } from './account/accountRecoveryCodesRegenerate'
import { passkeyAuthenticationOptions } from './authentication/passkeyAuthenticationOptions'
import { tokenCreateWithPasskey } from './authentication/tokenCreateWithPasskey'
import { passkeyRegistrationOptions } from './account/passkeyRegistrationOptions'
import { passkeyRegister } from './account/passkeyRegister'
import { passkeyRename } from './account/passkeyRename'
import { passkeyDelete } from './account/passkeyDelete'
import { accountRegister } from './account/accountRegister'
import { confirmAccount } from './account/confirmAccount'
import { requestPasswordReset } from './account/requestPasswordReset'
import { setPassword } from './account/setPassword'
import { passwordChange } from './account/passwordChange'
import { requestEmailChange } from './account/requestEmailChange'
import { confirmEmailChange } from './account/confirmEmailChange'
import { accountRequestDeletion } from './account/accountRequestDeletion'
import { accountDelete } from './account/accountDelete'
import { accountDataExport } from './account/accountDataExport'
import { customerDataExport } from './staff/customerDataExport'
import { updateActiveUserPassword } from './activeUser/updateActiveUserPassword'
import { accountUpdate } from './account/accountUpdate'
import { accountAddressCreate } from './account/accountAddressCreate'
import { accountAddressUpdate } from './account/accountAddressUpdate'
import { accountAddressDelete } from './account/accountAddressDelete'
import { accountSetDefaultAddress } from './account/accountSetDefaultAddress'
import { updateActiveUser } from './activeUser/updateActiveUser'
import { createActiveUserAddress } from './activeUser/createActiveUserAddress'
import { updateActiveUserAddress } from './activeUser/updateActiveUserAddress'
import { deleteActiveUserAddress } from './activeUser/deleteActiveUserAddress'
import { regenerateCustomerToken } from './activeUser/regenerateCustomerToken'
import { addressValidationRules } from './queries/addressValidationRules'
import { shop } from './queries/shop'
import { customers } from './queries/customers'
import { customersCount } from './queries/customersCount'
import { staffUsers } from './queries/staffUsers'
import { staffUsersCount } from './queries/staffUsersCount'
import { customerCreate } from './staff/customerCreate'
import { customerUpdate } from './staff/customerUpdate'
import { customerDelete } from './staff/customerDelete'
import { userSecondFactorReset } from './staff/userSecondFactorReset'
import { userImpersonate } from './staff/userImpersonate'
import { customerBulkDelete } from './staff/customerBulkDelete'
import { staffCreate } from './staff/staffCreate'
import { staffUpdate } from './staff/staffUpdate'
import { staffDelete } from './staff/staffDelete'
import { staffBulkDelete } from './staff/staffBulkDelete'
import { addressCreate } from './staff/addressCreate'
import { addressUpdate } from './staff/addressUpdate'
import { addressDelete } from './staff/addressDelete'
import { addressSetDefault } from './staff/addressSetDefault'
import { permissionGroupCreate } from './permissionGroup/permissionGroupCreate'
import { permissionGroupUpdate } from './permissionGroup/permissionGroupUpdate'
import { permissionGroupDelete } from './permissionGroup/permissionGroupDelete'
import { externalAuthenticationUrl } from './external/externalAuthenticationUrl'
import { externalObtainAccessTokens } from './external/externalObtainAccessTokens'
import { externalRefresh } from './external/externalRefresh'
import { externalVerify } from './external/externalVerify'
import { externalLogout } from './external/externalLogout'
import { externalAccountUnlink } from './account/externalAccountUnlink'

const extension = g.extend(base => ({
  query: {
    me: me(base),
    addressValidationRules,
    shop,
    customers: customers(base),
    customersCount: customersCount(base),
    staffUsers: staffUsers(base),
    staffUsersCount: staffUsersCount(base),
  },
  mutation: {
    // authentication
    tokenCreate: tokenCreate(base),
    tokenRefresh: tokenRefresh(base),
    tokenVerify: tokenVerify(base),
    tokensDeactivateAll,
    sessionRevoke,
    sessionsRevokeOthers,
    // the Admin UI's sign-in steps beyond the password (its cookie session)
    adminSignInWithCode,
    adminSignInWithPasskey,
    // the second step of a password sign-in, and TOTP on one's own account (API.md §9)
    tokenCreateMfa: tokenCreateMfa(base),
    accountTotpSetup,
    accountTotpConfirm,
    accountTotpDisable,
    accountRecoveryCodesRegenerate,
    // passkeys (API.md section 9)
    passkeyRegistrationOptions,
    passkeyRegister,
    passkeyRename,
    passkeyDelete,
    passkeyAuthenticationOptions,
    tokenCreateWithPasskey: tokenCreateWithPasskey(base),
    // OpenID Connect providers, Saleor's vocabulary (API.md §10)
    externalAuthenticationUrl,
    externalObtainAccessTokens: externalObtainAccessTokens(base),
    externalRefresh: externalRefresh(base),
    externalVerify: externalVerify(base),
    externalLogout,
    externalAccountUnlink,
    // self-service, Saleor vocabulary
    accountRegister: accountRegister(base),
    confirmAccount: confirmAccount(base),
    requestPasswordReset,
    setPassword: setPassword(base),
    passwordChange: passwordChange(base),
    requestEmailChange: requestEmailChange(base),
    confirmEmailChange: confirmEmailChange(base),
    accountRequestDeletion,
    accountDelete,
    // data export (API.md section 10)
    accountDataExport,
    customerDataExport,
    accountUpdate: accountUpdate(base),
    accountAddressCreate: accountAddressCreate(base),
    accountAddressUpdate: accountAddressUpdate(base),
    accountAddressDelete: accountAddressDelete(base),
    accountSetDefaultAddress: accountSetDefaultAddress(base),
    // self-service, Openfront vocabulary
    updateActiveUser: updateActiveUser(base),
    updateActiveUserPassword: updateActiveUserPassword(base),
    createActiveUserAddress: createActiveUserAddress(base),
    updateActiveUserAddress: updateActiveUserAddress(base),
    deleteActiveUserAddress: deleteActiveUserAddress(base),
    regenerateCustomerToken,
    // staff, Saleor vocabulary
    customerCreate: customerCreate(base),
    customerUpdate: customerUpdate(base),
    customerDelete,
    customerBulkDelete,
    userSecondFactorReset,
    // staff act as a customer in the storefront (API.md §10)
    userImpersonate,
    staffCreate: staffCreate(base),
    staffUpdate: staffUpdate(base),
    staffDelete,
    staffBulkDelete,
    addressCreate: addressCreate(base),
    addressUpdate: addressUpdate(base),
    addressDelete: addressDelete(base),
    addressSetDefault: addressSetDefault(base),
    permissionGroupCreate: permissionGroupCreate(base),
    permissionGroupUpdate: permissionGroupUpdate(base),
    permissionGroupDelete: permissionGroupDelete(base),
  },
}))

export function extendGraphqlSchema(schema: GraphQLSchema): GraphQLSchema {
  return extension(schema)
}
