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
// A term made of digits and the separators typed in numbers (a phone or postal-code fragment):
// - it also finds a phone written without the separators, as phones are stored (E.164): "601 234
//   567", "+48 601-234", "(212) 555-0123" and the national "020 7946 0958" find +442079460958 or
//   +48601234567 (PHONE_DIGITS or more digits, or a leading +, make a term a phone number's);
// - PostgreSQL finds it through a second trigram index, over the document's digits and separators
//   only (the column "searchDigits" of migrations/postgresql/*_user_search_digits): pg_trgm ignores punctuation, so "00-9" would
//   otherwise be looked up as the words "00" and "9", which nearly every customer has. Up to
//   MAX_ID_FILTER matching users become an `id in [...]` filter, as on SQLite; a term more users
//   match is common enough that walking the listing order finds a page soon. A listing newest
//   first with no other filter (customers' own order) is told the ids of its page itself
//   (newestMatchingIds): a term a few thousand users match is neither rare enough for the one nor
//   common enough for the other.
import type { Context } from '../../generated/keystone/types'
import { DomainError } from '../kernel'
import { isPostgres, isValidEmail, normalizeEmail } from '../kernel'

export const MIN_SEARCH_LENGTH = 3
// how many matching users SQLite hands to Keystone as ids, and ids per count query: Prisma binds at
// most 999 parameters a statement on SQLite, and the caller's own where needs a few. Past it, a
// term is common enough that walking the listing order finds a page sooner
export const MAX_ID_FILTER = 900
const COUNT_CHUNK = 900
// how many users PostgreSQL's digit index names for a count before the count scans the document
const MAX_COUNTED_IDS = 5000
// digits from which a term with separators is also looked for as a phone number's digits: fewer
// would make a postal code such as "00-950" find every phone with "00950" in it
export const PHONE_DIGITS = 6
// the separators of numbers, and the letters the PostgreSQL digit index spells them with (the
// migration's user_search_digits function uses the same two strings)
const DIGIT_SEPARATORS = ' -./()+'
const DIGIT_SEPARATOR_LETTERS = 'abcdefg'
const DIGIT_TERM = /^[0-9 ./()+-]*[0-9][0-9 ./()+-]*$/

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

/**
 * The filter that keeps the users whose search document contains `term`, on the given side of
 * isStaff. `newestFirst`: the caller lists that side newest first (dateJoined, then id, descending)
 * with no other filter, and needs this many rows (skip + take): a digit term is then answered on
 * PostgreSQL by the ids of exactly those rows.
 */
export async function userSearchFilter(
  context: Context,
  args: { term: string; isStaff: boolean; newestFirst?: number },
): Promise<Filter> {
  const email = wholeEmailOf(args.term)
  if (email) return { email: { equals: email } }
  const forms = searchFormsOf(args.term)
  if (
    !isSqlite(context) &&
    DIGIT_TERM.test(args.term) &&
    args.newestFirst !== undefined &&
    args.newestFirst <= MAX_ID_FILTER
  )
    return { id: { in: await newestMatchingIds(context, { forms, isStaff: args.isStaff, rows: args.newestFirst }) } }
  if (!isSqlite(context) && !DIGIT_TERM.test(args.term)) return containsFilter(context, forms)
  const ids = await matchingUserIds(context, { forms, isStaff: args.isStaff, limit: MAX_ID_FILTER + 1 })
  return ids.length <= MAX_ID_FILTER ? { id: { in: ids } } : containsFilter(context, forms)
}

/**
 * The texts a term is looked for as, any of which finds a user: the term itself, and for a phone
 * number's term its digits as stored (E.164: a leading + kept, 00 read as +) and, after a national
 * trunk 0, the digits without it.
 */
export function searchFormsOf(term: string): string[] {
  const forms = [term]
  if (!DIGIT_TERM.test(term)) return forms
  const digits = term.replace(/[^0-9]/g, '')
  const plus = term.startsWith('+')
  if (!plus && digits.length < PHONE_DIGITS) return forms
  if (plus || digits.startsWith('00')) forms.push(`+${plus ? digits : digits.slice(2)}`)
  else forms.push(digits)
  if (!plus && /^0[1-9]/.test(digits)) forms.push(digits.slice(1))
  return [...new Set(forms)].filter(form => form.length >= MIN_SEARCH_LENGTH)
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
  const forms = searchFormsOf(args.term)
  const byContains = () =>
    context.db.User.count({ where: { AND: [args.where, containsFilter(context, forms)] } as never })
  if (!isSqlite(context) && !DIGIT_TERM.test(args.term)) return byContains()
  // PostgreSQL's digit index names the users while they are a few thousand (counted through
  // Keystone in chunks, so the caller's own access applies); SQLite's FTS table always
  const limit = isSqlite(context) ? undefined : MAX_COUNTED_IDS + 1
  const ids = await matchingUserIds(context, { forms, isStaff: args.isStaff, limit })
  if (limit !== undefined && ids.length >= limit) return byContains()
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

function containsFilter(context: Context, forms: string[]): Filter {
  // Prisma passes the term into LIKE unescaped; on PostgreSQL, whose LIKE escapes with a backslash,
  // `%` and `_` are made literal (SQLite only reaches this for terms that FTS found very common)
  const literal = (form: string) => (!isSqlite(context) ? form.replace(/[\\%_]/g, char => `\\${char}`) : form)
  const filters = forms.map(form => ({ searchDocument: { contains: literal(form) } }))
  return filters.length === 1 ? filters[0]! : { OR: filters }
}

// a digit term as the PostgreSQL digit index spells it: each separator as its letter
function digitSpelling(form: string): string {
  return [...form].map(char => DIGIT_SEPARATOR_LETTERS[DIGIT_SEPARATORS.indexOf(char)] ?? char).join('')
}

// how many of the newest users a page of a digit term is first looked for among, per row it needs:
// a term that one in a hundred users match fills its page there, and a rarer one is found by its index
const NEWEST_WALK_PER_ROW = 100

// WARNING: the order is the listing's newest first (services/users/cursor.ts withTieBreak of
// dateJoined desc). A term many users match fills the page from a short walk of the newest users
// (the isStaff, dateJoined, id index); a rarer one from the digit index, sorted. The planner cannot
// tell the two apart before it runs (a walk it expected to be short read 16,000 rows for a term
// 1,700 of 1,000,000 users match; seen: 340 ms), so the walk is bounded here, and the sorted index
// scan runs only when the walk fell short: its ORDER BY on an expression keeps the planner off the
// walk. Two statements, not one: a branch the first makes unneeded still started parallel workers.
async function newestMatchingIds(
  context: Context,
  args: { forms: string[]; isStaff: boolean; rows: number },
): Promise<string[]> {
  const rows = Math.trunc(args.rows)
  const walk = Math.max(2000, rows * NEWEST_WALK_PER_ROW)
  const likes = args.forms.map((_, at) => `"searchDigits" LIKE $${at + 2}`).join(' OR ')
  const patterns = args.forms.map(form => `%${digitSpelling(form)}%`)
  const ids = async (sql: string) =>
    (await context.prisma.$queryRawUnsafe<{ id: string }[]>(sql, args.isStaff, ...patterns)).map(row => row.id)
  const newest = await ids(
    `SELECT "id" FROM (SELECT "id", "dateJoined", "searchDigits" FROM "User" WHERE "isStaff" = $1 ` +
      `ORDER BY "dateJoined" DESC, "id" DESC LIMIT ${walk}) AS newest ` +
      `WHERE ${likes} ORDER BY "dateJoined" DESC, "id" DESC LIMIT ${rows}`,
  )
  if (newest.length >= rows) return newest
  return ids(
    `SELECT "id" FROM "User" WHERE "isStaff" = $1 AND (${likes}) ` +
      `ORDER BY ("dateJoined" + interval '0 seconds') DESC, "id" DESC LIMIT ${rows}`,
  )
}

async function matchingUserIds(
  context: Context,
  args: { forms: string[]; isStaff: boolean; limit?: number },
): Promise<string[]> {
  const limit = args.limit === undefined ? '' : ` LIMIT ${Math.trunc(args.limit)}`
  if (!isSqlite(context)) {
    // one LIKE per form, so that each is a scan of the index (GIN takes no `LIKE ANY`)
    const likes = args.forms.map((_, at) => `"searchDigits" LIKE $${at + 2}`).join(' OR ')
    const rows = await context.prisma.$queryRawUnsafe<{ id: string }[]>(
      `SELECT "id" FROM "User" WHERE "isStaff" = $1 AND (${likes})${limit}`,
      args.isStaff,
      ...args.forms.map(form => `%${digitSpelling(form)}%`),
    )
    return rows.map(row => row.id)
  }
  // quoted FTS5 strings: with the trigram tokenizer, each a case-insensitive substring match
  const match = args.forms.map(form => `"${form.replace(/"/g, '""')}"`).join(' OR ')
  const rows = await context.prisma.$queryRawUnsafe<{ id: string }[]>(
    'SELECT "User"."id" AS id FROM "UserSearch" JOIN "User" ON "User".rowid = "UserSearch".rowid ' +
      `WHERE "UserSearch" MATCH ? AND "User"."isStaff" = ?${limit}`,
    match,
    args.isStaff ? 1 : 0,
  )
  return rows.map(row => row.id)
}
