// The promotion rule: what becoming staff changes, on every path that makes a customer staff
// (staffCreate, the generated updateUser, the Admin UI), applied by the User list's hooks.
import { columnsThatEndSessions } from '../identity'
import { hasProvenMailbox } from './emailProof'

type PromotedUser = {
  isStaff?: boolean | null
  emailVerifiedAt?: Date | string | null
  emailVerifiedBy?: string | null
}

type PromotionChange = {
  isStaff?: unknown
  password?: unknown
  emailVerifiedAt?: Date | string | null
  emailVerifiedBy?: string | null
}

/** Tell whether this change makes a customer staff. */
export function isPromotion(before: PromotedUser, change: { isStaff?: unknown }): boolean {
  return change.isStaff === true && before.isStaff !== true
}

/**
 * The data a promotion writes with it. Every credential the customer held ends (access and
 * refresh tokens, Admin UI cookies, the customer API token): whoever held them must not carry
 * them into staff access. The customer's password is kept only when the owner of the email proved
 * the mailbox by redeeming a link mailed to it (services/users/emailProof.ts), and the same change
 * does not give the account another email (`change` holds the proof columns as the change leaves
 * them: null when it drops the proof). A password the promoting manager sets in the same change
 * is the manager's choice and stays.
 *
 * WARNING: anyone can register a future staff member's email and choose its password, and
 * `isConfirmed` proves nothing about who did (ACCOUNT_CONFIRMATION_REQUIRED=false sets it at
 * registration, support may tick it): keeping the password on it would hand the Admin UI to the
 * registrant. The new staff member sets a password through the invite (or a password reset).
 */
export function promotionChanges(before: PromotedUser, change: PromotionChange): Record<string, unknown> {
  const proofAfter = {
    emailVerifiedAt: change.emailVerifiedAt !== undefined ? change.emailVerifiedAt : before.emailVerifiedAt,
    emailVerifiedBy: change.emailVerifiedBy !== undefined ? change.emailVerifiedBy : before.emailVerifiedBy,
  }
  const keepsPassword = hasProvenMailbox(proofAfter) || typeof change.password === 'string'
  return { ...columnsThatEndSessions(), ...(keepsPassword ? {} : { password: null }) }
}
