// What counts as an email address, and its one stored form (trimmed, lower-case), so that
// uniqueness and lookups hold whatever case a caller types.

const MAX_EMAIL_LENGTH = 254

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase()
}

// deliberately plain: one @, a dotted domain, no spaces or control characters
export function isValidEmail(email: string): boolean {
  if (email.length === 0 || email.length > MAX_EMAIL_LENGTH) return false
  return /^[^\s@\p{Cc}]+@[^\s@\p{Cc}]+\.[^\s@\p{Cc}]+$/u.test(email)
}
