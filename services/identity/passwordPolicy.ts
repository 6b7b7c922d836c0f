// Password policy, Saleor's (that is, Django's default validators): at least MIN_PASSWORD_LENGTH
// characters, at most MAX_PASSWORD_LENGTH, not a common password, not too similar to the owner's
// email or names, not entirely numeric. No composition rules, and a password is never truncated.
// Every problem is reported at once, so a client can show them all before the next try. The one
// policy of every path (list hooks, both vocabularies); a vocabulary with a higher minimum (Openfront's
// 10) passes it as an option, counted the same way.
// Django's list, as data (licence and provenance: commonPasswords.LICENSE.md)
import COMMON_PASSWORDS from './commonPasswords.json'
import { throwIfAny, type FieldError } from '../kernel'

export const MIN_PASSWORD_LENGTH = 8
// NIST SP 800-63B asks to allow at least 64 characters, OWASP 128; the bound only keeps absurd
// inputs out of the hashing and comparisons below
export const MAX_PASSWORD_LENGTH = 256
// Django's UserAttributeSimilarityValidator default
export const MAX_SIMILARITY = 0.7

/** The owner's attributes a password is compared with; a User row fits as it is. */
export type PasswordOwner = {
  email?: string | null
  firstName?: string | null
  lastName?: string | null
  name?: string | null
}

/**
 * How a caller applies the policy: the input field its errors name ('password'), and a vocabulary's
 * own minimum length (never below MIN_PASSWORD_LENGTH).
 */
export type PasswordPolicyOptions = { field?: string; minLength?: number }

/**
 * List every rule the password breaks, each as a field error on the option's field. Lengths count
 * characters (code points), as Python's len() does for Django, so an emoji counts once.
 */
export function passwordProblems(
  password: string,
  user: PasswordOwner = {},
  options: PasswordPolicyOptions = {},
): FieldError[] {
  const field = options.field ?? 'password'
  const minLength = Math.max(MIN_PASSWORD_LENGTH, options.minLength ?? 0)
  const problems: FieldError[] = []
  const length = Array.from(password).length
  if (length < minLength) {
    problems.push({
      field,
      code: 'PASSWORD_TOO_SHORT',
      message: `This password is too short. It must contain at least ${minLength} characters.`,
    })
  }
  if (length > MAX_PASSWORD_LENGTH) {
    problems.push({
      field,
      code: 'INVALID',
      message: `This password is too long. It must contain at most ${MAX_PASSWORD_LENGTH} characters.`,
    })
  }
  const similarTo = similarAttribute(password, user)
  if (similarTo) {
    problems.push({ field, code: 'PASSWORD_TOO_SIMILAR', message: `The password is too similar to the ${similarTo}.` })
  }
  if (isCommonPassword(password)) {
    problems.push({ field, code: 'PASSWORD_TOO_COMMON', message: 'This password is too common.' })
  }
  // any script's digits, as Python's isdigit() for Django ("١٢٣٤٥٦٧٨" is as weak as "12345678")
  if (/^\p{N}+$/u.test(password)) {
    problems.push({ field, code: 'PASSWORD_ENTIRELY_NUMERIC', message: 'This password is entirely numeric.' })
  }
  return problems
}

/** Throw one DomainError carrying every rule the password breaks. */
export function assertPasswordAcceptable(
  password: string,
  user: PasswordOwner = {},
  options: PasswordPolicyOptions = {},
): void {
  throwIfAny(passwordProblems(password, user, options))
}

/**
 * Give Python's `difflib.SequenceMatcher(a=a, b=b).quick_ratio()`: twice the number of characters
 * the two strings share (as multisets, order ignored) over their total length, 1 for two empty
 * strings. It bounds the Ratcliff/Obershelp ratio() from above, and it is what Django compares
 * with max_similarity, so a shuffled name counts as similar too.
 */
export function quickRatio(a: string, b: string): number {
  const first = Array.from(a)
  const second = Array.from(b)
  const total = first.length + second.length
  if (total === 0) return 1
  const available = new Map<string, number>()
  for (const char of second) available.set(char, (available.get(char) ?? 0) + 1)
  let matches = 0
  for (const char of first) {
    const left = available.get(char) ?? 0
    if (left > 0) {
      matches += 1
      available.set(char, left - 1)
    }
  }
  return (2 * matches) / total
}

const ATTRIBUTES = [
  { label: 'email address', values: (user: PasswordOwner) => emailValues(user.email) },
  { label: 'first name', values: (user: PasswordOwner) => [user.firstName] },
  { label: 'last name', values: (user: PasswordOwner) => [user.lastName] },
  { label: 'name', values: (user: PasswordOwner) => [user.name] },
] as const

// Django compares the whole address and its parts (john, smith, example, com); the local part
// as a whole (john.smith) is compared too, or "johnsmith1" would pass for john.smith@example.com
function emailValues(email: string | null | undefined): Array<string | null | undefined> {
  if (!email) return []
  const at = email.lastIndexOf('@')
  return at > 0 ? [email, email.slice(0, at)] : [email]
}

// Django's UserAttributeSimilarityValidator: each value and each of its \W-separated parts,
// case-insensitively; the first attribute found similar is named, as Django names one
function similarAttribute(password: string, user: PasswordOwner): string | undefined {
  const candidate = password.toLowerCase()
  for (const attribute of ATTRIBUTES) {
    for (const value of attribute.values(user)) {
      if (!value) continue
      const whole = value.toLowerCase()
      // \W in Python 3 is Unicode-aware: anything but letters, digits and the underscore
      const parts = [...whole.split(/[^\p{L}\p{N}_]+/u).filter(part => part !== ''), whole]
      for (const part of parts) {
        if (exceedsMaximumLengthRatio(candidate, part)) continue
        if (quickRatio(candidate, part) >= MAX_SIMILARITY) return attribute.label
      }
    }
  }
  return undefined
}

// Django's shortcut: a value under a tenth of the password's length (and under max_similarity / 2
// of it) can never reach max_similarity, so it is not compared; "com" never refuses a passphrase
function exceedsMaximumLengthRatio(password: string, value: string): boolean {
  const passwordLength = Array.from(password).length
  const valueLength = Array.from(value).length
  return passwordLength >= 10 * valueLength && valueLength < (MAX_SIMILARITY / 2) * passwordLength
}

// built on first use, once per process
let commonPasswords: Set<string> | undefined

// Django's CommonPasswordValidator compares the lowercased, stripped password with its list
function isCommonPassword(password: string): boolean {
  commonPasswords ??= new Set<string>(COMMON_PASSWORDS)
  return commonPasswords.has(password.toLowerCase().trim())
}
