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
