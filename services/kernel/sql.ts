// Raw statements that both providers run: written once with `?` for each value, then handed to
// Prisma's tagged template, which binds the values in the provider's own placeholder syntax, or,
// outside a transaction, prepared once per connection on the driver Prisma uses (the pg pool on
// PostgreSQL, the better-sqlite3 connection on SQLite).
import pg from 'pg'
import type { Context } from '../../generated/keystone/types'
import { postgresPoolOf, sqliteQueryOf } from '../../database'

/** Whether the context's Prisma client was generated for PostgreSQL (else SQLite). */
export function isPostgres(context: Context): boolean {
  return (context.prisma as unknown as { _activeProvider?: string })._activeProvider === 'postgresql'
}

/** The arguments of `$queryRaw`/`$executeRaw` for a statement whose values stand as `?`. */
export function bind(sql: string, values: unknown[]): [TemplateStringsArray, ...unknown[]] {
  const parts = sql.split('?')
  if (parts.length !== values.length + 1)
    throw new Error(`statement has ${parts.length - 1} placeholders for ${values.length} values`)
  return [Object.assign([...parts], { raw: [...parts] }), ...values]
}

/** A boolean column as either provider returns it (SQLite: 0 or 1, as a number or a bigint). */
export function asBoolean(value: unknown): boolean {
  return value === true || value === 1 || value === 1n || value === '1' || value === 'true'
}

/** A JSON column as either provider returns it (PostgreSQL: parsed; SQLite: text). */
export function asJson(value: unknown): unknown {
  if (typeof value !== 'string') return value
  try {
    return JSON.parse(value)
  } catch {
    return undefined
  }
}

/** A timestamp column as either provider returns it (a Date, ISO text, or milliseconds). */
export function asDate(value: unknown): Date | null {
  if (value === null || value === undefined) return null
  if (value instanceof Date) return value
  const date = new Date(typeof value === 'bigint' ? Number(value) : (value as string | number))
  return Number.isNaN(date.getTime()) ? null : date
}

// PostgreSQL's `timestamp(3)` columns hold UTC, as Prisma writes them; pg would read them as local time
const UTC_TIMESTAMP = 1114
const postgresTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === UTC_TIMESTAMP) return (text: string) => new Date(`${text.replace(' ', 'T')}Z`)
    return pg.types.getTypeParser(oid, format)
  },
}

// a value as Prisma's SQLite adapter binds it (better-sqlite3 takes neither booleans nor dates)
function sqliteValue(value: unknown): unknown {
  if (typeof value === 'boolean') return value ? 1 : 0
  if (value instanceof Date) return value.toISOString().replace('Z', '+00:00')
  return value
}

/**
 * Run a hot statement and give its rows. Outside a transaction it skips Prisma's raw-query layer
 * (about two thirds of a small statement's cost): on PostgreSQL it is prepared once per
 * connection under `name` on the pool Prisma uses; on SQLite it is prepared once on Prisma's own
 * connection and runs in its turn among Prisma's statements. Inside a transaction, or before
 * Prisma has connected, it goes through `$queryRaw`.
 * Rows read as each driver gives them: pass values through asBoolean, asDate and asJson.
 */
export async function hotQuery<Row = Record<string, unknown>>(
  context: Context,
  name: string,
  sql: string,
  values: unknown[],
): Promise<Row[]> {
  const pool = postgresPoolOf(context.prisma)
  if (!pool) {
    const sqlite = sqliteQueryOf(context.prisma)
    if (sqlite) return (await sqlite(sql, values.map(sqliteValue))) as Row[]
    return context.prisma.$queryRaw<Row[]>(...bind(sql, values))
  }
  let index = 0
  const text = sql.replace(/\?/g, () => `$${++index}`)
  if (index !== values.length) throw new Error(`statement has ${index} placeholders for ${values.length} values`)
  const result = await pool.query({ name, text, values, types: postgresTypes })
  return result.rows as Row[]
}
