// The text that `search` scans (Saleor's search_document): a user's email, names and phone and
// the fields of its addresses, lower-cased into one column, so a search over 100,000 customers
// is one scan of one column instead of a correlated subquery per user.
//
// What the document is made of is decided here, once: USER_FIELDS and ADDRESS_FIELDS, read by
// searchDocumentOf. When it is written is decided once too, in searchDocumentKeeper.ts, which
// keeps it in step on every write through Prisma; no service or hook refreshes it.
// Lower-cased by JavaScript (Unicode), as search lower-cases its term (services/users/search.ts):
// SQLite's lower() folds ASCII only, PostgreSQL's depends on the collation, so no trigger builds it.

/** A user's own fields in its search document, in their order. */
export const USER_FIELDS = ['email', 'firstName', 'lastName', 'name', 'phone'] as const
/**
 * The Address list's own text fields, in its order: what a caller may write (addresses/book.ts),
 * the order address problems are reported in (addresses/validation.ts), and what search covers.
 */
export const ADDRESS_FIELDS = [
  'firstName',
  'lastName',
  'companyName',
  'streetAddress1',
  'streetAddress2',
  'city',
  'cityArea',
  'postalCode',
  'country',
  'countryArea',
  'phone',
] as const

type Fields = Record<string, unknown>

/** The search document of a user with these addresses (in the order given: oldest first when stored). */
export function searchDocumentOf(user: Fields, addresses: readonly Fields[]): string {
  const parts: string[] = []
  for (const field of USER_FIELDS) if (typeof user[field] === 'string' && user[field]) parts.push(user[field] as string)
  for (const address of addresses)
    for (const field of ADDRESS_FIELDS)
      if (typeof address[field] === 'string' && address[field]) parts.push(address[field] as string)
  return `${parts.join('\n').toLowerCase()}\n`
}
