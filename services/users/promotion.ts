// The promotion rule: what becoming staff changes, on every path that makes a customer staff
// (staffCreate, the generated updateUser, the Admin UI), applied by the User list's hooks.
import { revokedCredentials } from '../identity'

type PromotedUser = { isStaff?: boolean | null; isConfirmed?: boolean | null }

/** Tell whether this change makes a customer staff. */
export function isPromotion(before: PromotedUser, change: { isStaff?: unknown }): boolean {
  return change.isStaff === true && before.isStaff !== true
}

/**
 * The data a promotion writes with it. Every credential the customer held ends (access and
 * refresh tokens, Admin UI cookies, the customer API token): whoever held them must not carry
 * them into staff access. An account whose email nobody proved keeps no password, unless the
 * promoting manager sets one in the same change.
 *
 * WARNING: anyone can register a future staff member's email and choose its password; without
 * this, promoting that account would hand the Admin UI to them. Until the owner proves the email
 * (the invite or a password reset, which confirm it), the account holds no staff permission.
 */
export function promotionChanges(before: PromotedUser, change: { password?: unknown }): Record<string, unknown> {
  const keepsPassword = before.isConfirmed === true || typeof change.password === 'string'
  return { ...revokedCredentials(), ...(keepsPassword ? {} : { password: null }) }
}
