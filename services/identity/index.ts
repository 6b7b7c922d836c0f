// Who someone is and how they prove it: passwords and their policy, JWTs, the sign-in throttle, password sign-in, whether a credential is good (authenticate and its strategies), sign-in sessions and refresh rotation, ending sessions, customer API tokens, one-time tokens, permission codes. Imports kernel.
// This file is the module's whole surface: code outside services/identity/ imports from here only.
export { DEVICE_PROOF_TTL_SECONDS, deviceCookieName, issueDeviceProof } from './deviceProof'
export type { DeviceProof } from './deviceProof'
export { clearAccountLockout } from './throttle'
export { CredentialRefusedError, authenticate, bearerCredential, callerSession } from './authenticate'
export type { Authentication, Credential } from './strategies/strategy'
export { ADMIN_COOKIE_MAX_AGE_SECONDS, startAdminCookieSession } from './adminSignIn'
export type { AdminSignInProof } from './adminSignIn'
export { regenerateCustomerToken } from './customerTokens'
export {
  CHALLENGE_PURPOSES,
  CHALLENGE_SWEEP_BATCH,
  CHALLENGE_TTL_SECONDS,
  MAX_CHALLENGE_FAILURES,
  deleteDeadChallenges,
  issueChallenge,
  liveChallenge,
  newChallenge,
  spendChallenge,
  takeChallengeAttempt,
} from './challenges'
export type { ChallengePurpose, LiveChallenge } from './challenges'
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
  actorIdOf,
  isImpersonation,
  isActiveStaffSession,
  isSuperuserSession,
  itemOfSession,
  loadSessionUser,
  sessionHolds,
  sessionOf,
} from './sessions'
export type { Session, SessionVia } from './sessions'
export {
  MAX_PASSKEY_NAME_LENGTH,
  PASSKEY_AMR,
  bindPasskeySignIn,
  cleanPasskeyName,
  deletePasskey,
  passkeyAuthenticationOptions,
  passkeyRegistrationOptions,
  passkeysOfUser,
  renamePasskey,
  storePasskey,
  signInWithPasskeyForTokens,
  verifyPasskeyRegistration,
  verifyPasskeySignIn,
} from './passkeys'
export type { PasskeySignIn, PasskeyView, VerifiedPasskey } from './passkeys'
export {
  assertPasswordLoginAllowed,
  bindSignIn,
  passwordLoginAllowedFor,
  proveOwnPassword,
  signInForTokens,
  signInWithPassword,
} from './signIn'
export type { ProvenUser, SignInArgs } from './signIn'
export { IMPERSONATION_TTL_SECONDS, issueTokens, verifyAccessToken } from './tokens'
export type { ImpersonationTokens, IssuedTokens, SignInClient } from './tokens'
export { invalidToken, refreshSession } from './refreshRotation'
export type { RefreshOutcome, RefreshRequest, RefreshReuse, Refreshed } from './refreshRotation'
export {
  MAX_LISTED_SESSIONS,
  SESSION_KINDS,
  SESSION_SWEEP_BATCH,
  deleteDeadSessions,
  endOtherSessions,
  endSessionsOfPasskey,
  endSessionsSignedInBy,
  endSession,
  liveSessionsOf,
  ownerOfLiveSession,
} from './userSessions'
export type { AuthMethod, SessionKind, SessionView } from './userSessions'
export {
  TOTP_DIGITS,
  TOTP_PERIOD_SECONDS,
  invalidMfaCode,
  newTotpEnrolment,
  normalizeTotpCode,
  openTotpSecret,
  verifyTotpCode,
} from './totp'
export type { TotpEnrolment } from './totp'
export { RECOVERY_CODE_COUNT, deleteRecoveryCodes, recoveryCodesLeft, replaceRecoveryCodes } from './recoveryCodes'
export {
  MFA_CHALLENGE_KINDS,
  MfaRequiredError,
  PASSKEY_REQUIRED_MESSAGE,
  assertMayAddSecondFactor,
  assertMayRemoveSecondFactor,
  hasTotpEnabled,
  invalidMfaChallenge,
  presentedCode,
  redeemMfaChallenge,
  requireSecondFactor,
  useSecondFactorCode,
  withCodeThrottle,
} from './secondFactor'
export type { MfaAnswer, MfaChallengeKind, MfaChallengePayload, PresentedCode } from './secondFactor'
export {
  bindExternalSignIn,
  externalAuthorizationUrl,
  externalLogoutUrl,
  invalidExternalSignIn,
  redeemExternalSignIn,
} from './externalSignIn'
export type { ExternalIdentity, ExternalSignInKind } from './externalSignIn'
export { SALEOR_OIDC_PLUGIN_ID, oidcProviderOf, staffOidcProviders } from './oidcProviders'
export type { OidcProvider } from './oidcProviders'
