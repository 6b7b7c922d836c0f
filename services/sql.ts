// Raw statements that both providers run: written once with `?` for each value, then handed to
// Prisma's tagged template, which binds the values in the provider's own placeholder syntax.

/** The arguments of `$queryRaw`/`$executeRaw` for a statement whose values stand as `?`. */
export function bind (sql: string, values: unknown[]): [TemplateStringsArray, ...unknown[]] {
  const parts = sql.split('?')
  if (parts.length !== values.length + 1) throw new Error(`statement has ${parts.length - 1} placeholders for ${values.length} values`)
  return [Object.assign([...parts], { raw: [...parts] }), ...values]
}

/** A boolean column as either provider returns it (SQLite: 0 or 1, as a number or a bigint). */
export function asBoolean (value: unknown): boolean {
  return value === true || value === 1 || value === 1n || value === '1' || value === 'true'
}

/** A JSON column as either provider returns it (PostgreSQL: parsed; SQLite: text). */
export function asJson (value: unknown): unknown {
  if (typeof value !== 'string') return value
  try {
    return JSON.parse(value)
  } catch {
    return undefined
  }
}

/** A timestamp column as either provider returns it (a Date, ISO text, or milliseconds). */
export function asDate (value: unknown): Date | null {
  if (value === null || value === undefined) return null
  if (value instanceof Date) return value
  const date = new Date(typeof value === 'bigint' ? Number(value) : value as string | number)
  return Number.isNaN(date.getTime()) ? null : date
}
