// Cursor pages of customers and staffUsers (Keystone's `cursor` semantics: the page starts at the
// cursor's row, `skip: 1` starts after it), as a keyset filter: "ordered at or after the cursor".
// Prisma's own cursor compares through an OR of subqueries that no index can range over, so each
// page there costs a walk past every earlier row; this filter leads with a plain bound on the first
// ordered field, and a page at any depth costs what the first does.
import type { Context } from '../../generated/keystone/types'
import { isPostgres } from '../kernel'

type Filter = Record<string, unknown>
type Direction = 'asc' | 'desc'
export type OrderBy = readonly Record<string, Direction>[]

// fields whose Keystone filters compare (lt/gt); any other order falls back to Prisma's cursor
const RANGE_FIELDS = new Set([
  'id',
  'email',
  'firstName',
  'lastName',
  'name',
  'phone',
  'languageCode',
  'externalReference',
  'orderWebhookUrl',
  'dateJoined',
  'updatedAt',
  'lastLogin',
  'customerTokenIssuedAt',
  'customerTokenLastUsedAt',
])
// the columns among them that may hold NULL (schema.prisma); the others never do
const NULLABLE_FIELDS = new Set([
  'externalReference',
  'dateJoined',
  'updatedAt',
  'lastLogin',
  'customerTokenIssuedAt',
  'customerTokenLastUsedAt',
])

/** Give the order with `id` last (in the last field's direction), so that every row has one place. */
export function withTieBreak(orderBy: OrderBy): OrderBy {
  const fields = orderBy.flatMap(entry => Object.keys(entry))
  if (fields.includes('id')) return orderBy
  const last = orderBy.at(-1)
  return [...orderBy, { id: last ? (Object.values(last)[0] ?? 'asc') : 'asc' }]
}

/** Tell whether `orderBy` can be paged by keyset (every field compares); otherwise use Prisma's cursor. */
export function isKeysetOrder(orderBy: OrderBy): boolean {
  return orderBy.every(entry => Object.keys(entry).every(field => RANGE_FIELDS.has(field)))
}

/**
 * The filter of the rows at or after `cursor` in `orderBy` (which ends with id), or null when the
 * caller cannot read the cursor's row: the cursor is looked up with the caller's own access.
 */
export async function cursorFilter(
  context: Context,
  args: { cursor: Filter; orderBy: OrderBy },
): Promise<Filter | null> {
  const row = (await context.db.User.findOne({ where: args.cursor as never })) as Record<string, unknown> | null
  if (!row) return null
  const order = args.orderBy.map(entry => {
    const [field, direction] = Object.entries(entry)[0] as [string, Direction]
    return { field, direction, value: valueOf(row[field]) }
  })
  const sqlite = !isPostgres(context)
  const disjuncts: Filter[] = [{ id: { equals: String(row.id) } }]
  const equalSoFar: Filter[] = []
  let bound: Filter | undefined
  for (const [i, { field, direction, value }] of order.entries()) {
    // where the database puts NULLs: PostgreSQL above every value, SQLite below
    const nullsAfter = sqlite ? direction === 'desc' : direction === 'asc'
    // a NULL that may come after the cursor is looked for only when one exists, so that the usual
    // order (NOT NULL columns, dateJoined always set) keeps a plain, indexable bound
    const nullsMatter = NULLABLE_FIELDS.has(field) && nullsAfter && (value === null || (await hasNull(context, field)))
    let after: Filter | undefined
    if (value === null) {
      after = nullsAfter ? undefined : { NOT: [{ [field]: { equals: null } }] }
    } else {
      const beyond = { [field]: { [direction === 'asc' ? 'gt' : 'lt']: value } }
      after = nullsMatter ? { OR: [beyond, { [field]: { equals: null } }] } : beyond
      if (i === 0 && !nullsMatter) bound = { [field]: { [direction === 'asc' ? 'gte' : 'lte']: value } }
    }
    if (after) disjuncts.push({ AND: [...equalSoFar, after] })
    equalSoFar.push({ [field]: { equals: value } })
  }
  const filter: Filter = { OR: disjuncts }
  return bound ? { AND: [bound, filter] } : filter
}

function valueOf(value: unknown): string | number | null {
  if (value === null || value === undefined) return null
  return value instanceof Date ? value.toISOString() : (value as string | number)
}

async function hasNull(context: Context, field: string): Promise<boolean> {
  // existence only, to shape the filter: nothing read here reaches the caller
  const found = await context.sudo().prisma.user.findFirst({ where: { [field]: null }, select: { id: true } })
  return found !== null
}
