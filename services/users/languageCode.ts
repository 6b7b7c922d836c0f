// The language code rule, for every path that writes a user's languageCode (the User list's hook,
// so the generated API, the Admin UI and the staff services too; registration; the profile): a
// BCP 47-like tag in lower-case letters, with subtags (en, pt-BR, zh_Hant).
import type { FieldError } from '../kernel'

export const LANGUAGE_CODE = /^[a-z]{2,3}([_-][A-Za-z0-9]{2,8})*$/
// the longest tag stored (the column's limit, which the list no longer states itself)
const MAX_LENGTH = 35

/** List the problem of a language code, INVALID on languageCode; absent and null pass. */
export function languageCodeProblems(code: string | null | undefined): FieldError[] {
  if (typeof code !== 'string' || (code.length <= MAX_LENGTH && LANGUAGE_CODE.test(code))) return []
  return [{ field: 'languageCode', code: 'INVALID', message: 'Enter a language code such as en or pt-BR.' }]
}
