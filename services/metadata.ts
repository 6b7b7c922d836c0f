// Metadata (public and private) is a flat key-value map of strings, as in Saleor.

const MAX_KEYS = 100
const MAX_VALUE_LENGTH = 2000

export function metadataProblem (value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined
  if (typeof value !== 'object' || Array.isArray(value)) return 'must be an object of string values'
  const entries = Object.entries(value)
  if (entries.length > MAX_KEYS) return `may hold at most ${MAX_KEYS} keys`
  for (const [key, item] of entries) {
    if (key.trim() === '') return 'keys must not be empty'
    if (typeof item !== 'string') return `the value of "${key}" must be a string`
    if (item.length > MAX_VALUE_LENGTH) return `the value of "${key}" is longer than ${MAX_VALUE_LENGTH} characters`
  }
  return undefined
}
