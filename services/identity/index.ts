// Who someone is and how they prove it: passwords and their policy, JWTs, the sign-in throttle, password sign-in, sessions, customer API tokens, one-time tokens, permission codes. Imports kernel.
// This file is the module's whole surface: code outside services/identity/ imports from here only.
export { DEVICE_PROOF_TTL_SECONDS, deviceCookieName, issueDeviceProof } from './deviceProof'
export type { DeviceProof } from './deviceProof'
export { clearAccountLockout } from './throttle'
export { customerOfToken, isCustomerToken, regenerateCustomerToken } from './customerTokens'
export { newTokenKey, revokedCredentials, verifyAccessTokenSignature } from './jwt'
export { TOKEN_PURPOSES, issueOneTimeToken, redeemOneTimeToken } from './oneTimeTokens'
export type { TokenPurpose } from './oneTimeTokens'
export { assertPasswordAcceptable, passwordProblems } from './passwordPolicy'
export type { PasswordPolicyOptions } from './passwordPolicy'
export { hashPassword, passwordKdf, verifyPassword } from './passwords'
export {
  PERMISSIONS,
  effectiveChannels,
  effectivePermissions,
  isPermission,
  loadPermissionGroupsOf,
} from './permissionCodes'
export type { Permission } from './permissionCodes'
export {
  actingAs,
  isActiveStaffSession,
  isSuperuserSession,
  itemOfSession,
  loadSessionUser,
  sessionHolds,
  sessionOf,
} from './sessions'
export type { Session, SessionVia } from './sessions'
export {
  assertPasswordLoginAllowed,
  revokeCredentials,
  issueTokens,
  login,
  refreshAccessToken,
  signInWithPassword,
  revokeCredentialsAndLinks,
  verifyLiveAccessToken,
} from './signIn'
export type { IssuedTokens, SignInArgs } from './signIn'
