// Who someone is and how they prove it: passwords and their policy, JWTs, the sign-in throttle, password sign-in, whether a credential is good (authenticate and its strategies), ending sessions, sessions, customer API tokens, one-time tokens, permission codes. Imports kernel.
// This file is the module's whole surface: code outside services/identity/ imports from here only.
export { DEVICE_PROOF_TTL_SECONDS, deviceCookieName, issueDeviceProof } from './deviceProof'
export type { DeviceProof } from './deviceProof'
export { clearAccountLockout } from './throttle'
export { CredentialRefusedError, authenticate, bearerCredential, callerSession } from './authenticate'
export type { Authentication, Credential } from './strategies/strategy'
export { adminCookieData } from './strategies/adminCookie'
export { regenerateCustomerToken } from './customerTokens'
export { newTokenKey } from './jwt'
export { columnsThatEndSessions, endSessions, endSessionsAndLinks } from './endSessions'
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
export { assertPasswordLoginAllowed, signInForTokens, signInWithPassword } from './signIn'
export type { SignInArgs } from './signIn'
export { issueTokens, refreshAccessToken, verifyAccessToken } from './tokens'
export type { IssuedTokens } from './tokens'
