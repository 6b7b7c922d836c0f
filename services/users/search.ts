// What `search` matches in customers and staffUsers (email, names, phone and the fields of the
// user's addresses, case-insensitively, through the lower-cased search document of
// services/users/searchDocument.ts), and how the database finds it by index rather than by a scan:
// - PostgreSQL: a pg_trgm GIN index on "User"."searchDocument" serves the plain `contains` filter
//   (LIKE '%term%'), so Keystone runs the whole query, access filters and ordering included.
// - SQLite: the FTS5 trigram table "UserSearch", kept by triggers on "User", names the matching
//   users; up to MAX_ID_FILTER of them become an `id in [...]` filter for Keystone. A term that
//   more users match keeps the `contains` filter: a page of it, in an indexed order, is found
//   after a short walk, and counts go through the index in chunks of ids.
// Terms shorter than MIN_SEARCH_LENGTH characters are refused (INVALID): no trigram index can
// answer them, and a scan of every user is what they would cost. A term that is a whole email
// address finds the account with that email, through its unique index: every address shares the
// trigrams of its domain, so a trigram index would merge long lists to find one row.
import type { Context } from '../../generated/keystone/types'
import { DomainError } from '../kernel'
import { isPostgres, isValidEmail, normalizeEmail } from '../kernel'

export const MIN_SEARCH_LENGTH = 3
// how many matching users SQLite hands to Keystone as ids, and ids per count query: Prisma binds at
// most 999 parameters a statement on SQLite, and the caller's own where needs a few. Past it, a
// term is common enough that walking the listing order finds a page sooner
export const MAX_ID_FILTER = 900
const COUNT_CHUNK = 900

type Filter = Record<string, unknown>

/** Give the term to look for (trimmed, lower-cased), null for no search, or refuse a too-short one. */
export function searchTermOf(search: string | null | undefined): string | null {
  const term = (search ?? '').trim().toLowerCase()
  if (term === '') return null
  if ([...term].length < MIN_SEARCH_LENGTH) {
    throw new DomainError({
      field: 'search',
      code: 'INVALID',
      message: `A search term needs at least ${MIN_SEARCH_LENGTH} characters.`,
    })
  }
  return term
}

// a term that is a whole address, in its stored form (a fullwidth or Unicode-domain form finds it too)
function wholeEmailOf(term: string): string | undefined {
  const email = normalizeEmail(term)
  return isValidEmail(email) ? email : undefined
}

/** The filter that keeps the users whose search document contains `term`, on the given side of isStaff. */
export async function userSearchFilter(context: Context, args: { term: string; isStaff: boolean }): Promise<Filter> {
  const email = wholeEmailOf(args.term)
  if (email) return { email: { equals: email } }
  if (!isSqlite(context)) return containsFilter(context, args.term)
  const ids = await matchingUserIds(context, { ...args, limit: MAX_ID_FILTER + 1 })
  return ids.length <= MAX_ID_FILTER ? { id: { in: ids } } : containsFilter(context, args.term)
}

/**
 * Count the users that match `term` and `where` (a filter that already names the isStaff side),
 * through Keystone, so the caller's own access filter applies.
 */
export async function countSearchedUsers(
  context: Context,
  args: { term: string; isStaff: boolean; where: Filter },
): Promise<number> {
  const email = wholeEmailOf(args.term)
  if (email) return context.db.User.count({ where: { AND: [args.where, { email: { equals: email } }] } as never })
  if (!isSqlite(context))
    return context.db.User.count({ where: { AND: [args.where, containsFilter(context, args.term)] } as never })
  const ids = await matchingUserIds(context, args)
  let count = 0
  for (let at = 0; at < ids.length; at += COUNT_CHUNK) {
    count += await context.db.User.count({
      where: { AND: [args.where, { id: { in: ids.slice(at, at + COUNT_CHUNK) } }] } as never,
    })
  }
  return count
}

function isSqlite(context: Context): boolean {
  return !isPostgres(context)
}

function containsFilter(context: Context, term: string): Filter {
  // Prisma passes the term into LIKE unescaped; on PostgreSQL, whose LIKE escapes with a backslash,
  // `%` and `_` are made literal (SQLite only reaches this for terms that FTS found very common)
  const literal = !isSqlite(context) ? term.replace(/[\\%_]/g, char => `\\${char}`) : term
  return { searchDocument: { contains: literal } }
}

async function matchingUserIds(
  context: Context,
  args: { term: string; isStaff: boolean; limit?: number },
): Promise<string[]> {
  // a quoted FTS5 string: with the trigram tokenizer, a case-insensitive substring match
  const match = `"${args.term.replace(/"/g, '""')}"`
  const limit = args.limit === undefined ? '' : ` LIMIT ${Math.trunc(args.limit)}`
  const rows = await context.prisma.$queryRawUnsafe<{ id: string }[]>(
    'SELECT "User"."id" AS id FROM "UserSearch" JOIN "User" ON "User".rowid = "UserSearch".rowid ' +
      `WHERE "UserSearch" MATCH ? AND "User"."isStaff" = ?${limit}`,
    match,
    args.isStaff ? 1 : 0,
  )
  return rows.map(row => row.id)
}
