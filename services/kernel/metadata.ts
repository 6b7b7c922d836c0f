// Metadata (public and private) is a flat key-value map of strings, as in Saleor. Owns its limits,
// checked by metadataProblem on every path that writes one: the lists' json fields (generated API,
// Admin UI) through lists/metadataField.ts, and the services that write with Prisma directly, which
// check the map as it will be stored (after merging, for the mutations that only set keys).
// Without limits any customer could store megabytes per row, in every address of its book.

export const MAX_METADATA_KEYS = 100
export const MAX_METADATA_KEY_LENGTH = 256
export const MAX_METADATA_VALUE_LENGTH = 2000
// the whole map as JSON, in UTF-8 bytes: well under the 100 longest keys and values, so the
// per-key limits cannot multiply into a huge row
export const MAX_METADATA_BYTES = 64 * 1024

/** Say what is wrong with a metadata map, as a phrase to follow the field's name, or undefined if nothing. */
export function metadataProblem(value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined
  if (typeof value !== 'object' || Array.isArray(value)) return 'must be an object of string values'
  const entries = Object.entries(value)
  if (entries.length > MAX_METADATA_KEYS) return `may hold at most ${MAX_METADATA_KEYS} keys`
  for (const [key, item] of entries) {
    if (key.trim() === '') return 'keys must not be empty'
    if (key.length > MAX_METADATA_KEY_LENGTH)
      return `keys may be at most ${MAX_METADATA_KEY_LENGTH} characters long ("${key.slice(0, 20)}…" is ${key.length})`
    if (typeof item !== 'string') return `the value of "${key}" must be a string`
    if (item.length > MAX_METADATA_VALUE_LENGTH)
      return `the value of "${key}" is longer than ${MAX_METADATA_VALUE_LENGTH} characters`
  }
  const bytes = Buffer.byteLength(JSON.stringify(value), 'utf8')
  if (bytes > MAX_METADATA_BYTES) return `may take at most ${MAX_METADATA_BYTES} bytes as JSON, not ${bytes}`
  return undefined
}

/** Set the given keys over the stored ones, Saleor's semantics for metadata updates; check the result. */
export function mergeMetadata(stored: unknown, changes: Record<string, string>): Record<string, string> {
  // typed as stored by the list's own check; metadataProblem on the result catches anything else
  const base =
    typeof stored === 'object' && stored !== null && !Array.isArray(stored) ? (stored as Record<string, string>) : {}
  return { ...base, ...changes }
}
