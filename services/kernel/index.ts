// The shared kernel: domain errors, the unit of work (transactions, wake-ups after commit), the request's time budget, raw SQL helpers, sealing, timing floors, email address form, metadata limits, client addresses. Imports no other module.
// This file is the module's whole surface: code outside services/kernel/ imports from here only.
export { clientIpOf, clientNetwork } from './clientIp'
export { emailSkeleton, isValidEmail, normalizeEmail } from './emailAddress'
export { ACCOUNT_ERROR_CODES, AccessDeniedError, DomainError, isUniqueViolation, throwIfAny } from './errors'
export type { AccountErrorCode, FieldError } from './errors'
export { someErrorInChain } from './errorChain'
export { keyFromSessionSecret } from './secretKeys'
export { openSecrets, sealSecrets } from './sealing'
export type { SealingPurpose } from './sealing'
export { mergeMetadata, metadataProblem } from './metadata'
export {
  REQUEST_TIMEOUT,
  RequestTimeoutError,
  assertWithinBudget,
  budgetLeftMs,
  isRequestTimeout,
  outsideRequestBudget,
  runWithinBudget,
} from './requestBudget'
export { asBoolean, asDate, asJson, bind, hotQuery, isPostgres } from './sql'
export { ENUMERATION_SAFE_FLOOR_MS, withMinimumDuration } from './timing'
export { afterCommit, inTransaction } from './transactions'
export { isTrusted, trusted } from './trusted'
export { parseTrustProxy } from './trustProxy'
export type { TrustProxy } from './trustProxy'
export { lockUser, tryLockUser } from './userLock'
