// The User record customers and staff share: a new user's row, account events, one-time links and notices, search document and search, keyset paging, removal, promotion. Imports kernel, identity, messaging.
// This file is the module's whole surface: code outside services/users/ imports from here only.
export { ACCOUNT_EVENT_TYPES, recordAccountEvent } from './accountEvents'
export { accountEventsOf, afterUserChange, userWebhookEvent, webhooksOf } from './afterUserChange'
export type { UserChange, UserRow } from './afterUserChange'
export { cursorFilter, isKeysetOrder, withTieBreak } from './cursor'
export type { OrderBy } from './cursor'
export { EMPTY_DOCUMENT, newUserRow } from './newUser'
export { mailNotice } from './notices'
export type { NoticeRecipient } from './notices'
export { SKELETON_FILL_BATCH, fillEmailSkeletons } from './emailSkeletons'
export { NAME_FILL_BATCH, fillEmptyNames } from './fillNames'
export type { SkeletonFill } from './emailSkeletons'
export {
  EMAIL_PROOFS,
  NO_PROOF,
  assertProofFollowsEmail,
  hasProvenMailbox,
  operatorSeedProof,
  proofChanges,
  redeemedProof,
} from './emailProof'
export type { EmailProof } from './emailProof'
export {
  IMPERSONATED_CHANGE,
  closeImpersonationAudit,
  codeOfError,
  openImpersonationAudit,
  outcomeOfField,
} from './impersonationAudit'
export type { AuditedField, FieldOutcome, ImpersonationAudit } from './impersonationAudit'
export { mailOneTimeLink } from './oneTimeLinks'
export type { LinkRequester, OneTimeLink } from './oneTimeLinks'
export type { NewUserInput, NewUserRow } from './newUser'
export { languageCodeProblems } from './languageCode'
export { MAX_NAME_LENGTHS, fullNameOf, nameProblems, nameToStore } from './names'
export type { NameField, UserNames } from './names'
export { isPromotion, promotionChanges } from './promotion'
export { MAX_BULK, beforeUserRemoval, removeUser } from './removal'
export { countSearchedUsers, searchTermOf, userSearchFilter } from './search'
export { ADDRESS_FIELDS, USER_FIELDS, searchDocumentOf } from './searchDocument'
export { keepSearchDocuments } from './searchDocumentKeeper'
export {
  asTakenValueError,
  assertEmailFree,
  changedEmail,
  cleanEmail,
  emailColumns,
  findEmailHolder,
  isTakenEmailViolation,
} from './userEmail'
