// What counts as an email address, its one stored form, and the form two addresses that look alike
// share. Every email that is stored or looked up passes through normalizeEmail, so uniqueness and
// lookups hold whatever form a caller types (case, fullwidth letters, a Unicode or punycode
// domain, a trailing dot); an address whose skeleton matches another account's is that account's.
import { domainToASCII, domainToUnicode } from 'node:url'
import unhomoglyph from 'unhomoglyph'

const MAX_EMAIL_LENGTH = 254
const MAX_LABEL_LENGTH = 63

// Characters an address may not hold at all: refused, never silently removed (a removed one would
// make two strings that differ on the wire one account, and hide what the caller sent). Controls,
// format characters (zero-width space and joiners, soft hyphen, bidi controls, tags), surrogates,
// private use and unassigned code points, and every default-ignorable one (variation selectors,
// Hangul fillers): each renders as nothing, or as anything.
const FORBIDDEN = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Default_Ignorable_Code_Point}\p{Zl}\p{Zp}]/u
const DEFAULT_IGNORABLE = /\p{Default_Ignorable_Code_Point}/gu
// trimmed at either end: ASCII white space and the space separators (no-break, ideographic, …).
// Unlike String.prototype.trim, not U+FEFF, U+0085 or the line and paragraph separators: refused
const EDGE_SPACE = /^[\t\n\v\f\r\p{Zs}]+|[\t\n\v\f\r\p{Zs}]+$/gu
// plain on purpose: one @, something on each side, no spaces
const SHAPE = /^[^\s@]+@[^\s@]+$/u
// a soft-dotted letter (i, j, …) followed by COMBINING DOT ABOVE: the dot replaces its own one, so
// "i̇" (what 'İ' lower-cases to) reads as "i"
const REDUNDANT_DOT = /(\p{Soft_Dotted})\u0307/gu

/**
 * The stored form of an address: Unicode NFKC on the whole of it, trimmed, the local part
 * lower-cased, the domain as IDNA ASCII (lower-case, punycode) without a trailing dot. Total and
 * idempotent; an address it cannot make valid (a forbidden character, an invalid IDNA domain) is
 * left in a form isValidEmail refuses.
 */
export function normalizeEmail(email: string): string {
  const text = email.normalize('NFKC').replace(EDGE_SPACE, '')
  const lower = text.toLowerCase().normalize('NFKC')
  const at = lower.lastIndexOf('@')
  if (at < 0 || FORBIDDEN.test(lower)) return lower
  const domain = lower.slice(at + 1)
  const ascii = domainToASCII(domain.endsWith('.') ? domain.slice(0, -1) : domain)
  // an invalid IDNA domain converts to '': kept as typed, for isValidEmail to refuse
  return ascii ? `${lower.slice(0, at)}@${ascii}` : lower
}

/** Whether an address, as normalizeEmail gives it, may be stored: shape, characters and domain. */
export function isValidEmail(email: string): boolean {
  if (email.length === 0 || email.length > MAX_EMAIL_LENGTH) return false
  if (!SHAPE.test(email) || FORBIDDEN.test(email)) return false
  const domain = email.slice(email.lastIndexOf('@') + 1)
  const labels = domain.split('.')
  if (labels.length < 2 || labels.some(label => label.length === 0 || label.length > MAX_LABEL_LENGTH)) return false
  // the domain is its own IDNA ASCII form: valid IDNA, already converted
  return domainToASCII(domain) === domain
}

/**
 * The confusable skeleton (Unicode TR 39) of a normalised address: two addresses with one skeleton
 * look alike ('аlice' with a Cyrillic а and 'alice', 'rn' and 'm', 'İnfo' and 'info'). The domain
 * is read as people see it (Unicode, not punycode). TR 39's steps: NFD, default-ignorables
 * removed, each character replaced by its prototype in confusables.txt (the unhomoglyph package's
 * copy of it), NFD again; then a dot above a soft-dotted letter is dropped. Not for display.
 */
export function emailSkeleton(normalized: string): string {
  const at = normalized.lastIndexOf('@')
  const domain = at < 0 ? '' : normalized.slice(at + 1)
  const readable = at < 0 ? normalized : `${normalized.slice(0, at)}@${domainToUnicode(domain) || domain}`
  const decomposed = readable.normalize('NFD').replace(DEFAULT_IGNORABLE, '')
  return unhomoglyph(decomposed).normalize('NFD').replace(REDUNDANT_DOT, '$1')
}
