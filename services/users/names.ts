// The length rule of a user's names, for every path that writes them (the User list's hooks,
// registration, the profile): a first and a last name of at most 256 characters, a full name of
// at most 512 (Saleor's and Openfront's columns). Lengths count UTF-16 units, as Keystone's text
// validation counted them before this rule moved here. Callers pass the value they store (trimmed
// where they trim).
import type { FieldError } from '../kernel'

export const MAX_NAME_LENGTHS = { firstName: 256, lastName: 256, name: 512 } as const

export type NameField = keyof typeof MAX_NAME_LENGTHS

/** List every name past its length, each INVALID on its own field; absent and null names pass. */
export function nameProblems(names: Partial<Record<NameField, string | null | undefined>>): FieldError[] {
  const problems: FieldError[] = []
  for (const field of Object.keys(MAX_NAME_LENGTHS) as NameField[]) {
    const value = names[field]
    const max = MAX_NAME_LENGTHS[field]
    if (typeof value === 'string' && value.length > max)
      problems.push({ field, code: 'INVALID', message: `${field} is too long; at most ${max} characters.` })
  }
  return problems
}

/** The names a user row holds. */
export type UserNames = { firstName: string; lastName: string; name: string }

/** First and last name joined by a space (each trimmed; either may be empty), within `name`'s length. */
export function fullNameOf(firstName: string | null | undefined, lastName: string | null | undefined): string {
  const joined = [firstName?.trim(), lastName?.trim()].filter(Boolean).join(' ')
  if (joined.length <= MAX_NAME_LENGTHS.name) return joined
  // two names at their longest join one unit past it: cut, never inside a surrogate pair
  const cut = joined.slice(0, MAX_NAME_LENGTHS.name)
  return /[\uD800-\uDBFF]$/.test(cut) ? cut.slice(0, -1) : cut
}

/**
 * The name model, the one rule of what `name` holds, for every write (the User list's hooks, so the
 * generated API, the Admin UI, registration, staff and the seed; the profile's own write): the full
 * name, that is the name the user gave, or its first and last name joined when it gave none.
 *
 * A name was given when it differs from the first and last name joined (Openfront's `name`, or a
 * name typed in the Admin UI); it is kept when the first or last name changes later. A name that
 * reads as the first and last name joined, or an empty one, follows them. Giving an empty name
 * gives none: the name goes back to the first and last name joined.
 *
 * `before` is the stored row (null for a new user); `changes` the write's values (undefined: not
 * written). Answers the name to store (a given one trimmed), or undefined when the stored one stays.
 */
export function nameToStore(
  before: UserNames | null,
  changes: Partial<Record<keyof UserNames, string | null | undefined>>,
): string | undefined {
  const given = changes.name?.trim()
  if (given) return given
  const derived = fullNameOf(changes.firstName ?? before?.firstName, changes.lastName ?? before?.lastName)
  if (before === null) return derived
  const followed = before.name === '' || before.name === fullNameOf(before.firstName, before.lastName)
  if (changes.name === undefined && !followed) return undefined
  return derived === before.name ? undefined : derived
}
