// The text that `search` scans (Saleor's search_document): a user's email, names and phone and
// the fields of its addresses, lower-cased into one column, so a search over 100,000 customers
// is one scan of one column instead of a correlated subquery per user.
import type { Context } from '../../generated/keystone/types'

const USER_FIELDS = ['email', 'firstName', 'lastName', 'name', 'phone'] as const
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

export function searchDocumentOf(user: Fields, addresses: readonly Fields[]): string {
  const parts: string[] = []
  for (const field of USER_FIELDS) if (typeof user[field] === 'string' && user[field]) parts.push(user[field] as string)
  for (const address of addresses)
    for (const field of ADDRESS_FIELDS)
      if (typeof address[field] === 'string' && address[field]) parts.push(address[field] as string)
  return `${parts.join('\n').toLowerCase()}\n`
}

/** Recompute one user's search document after a change to it or to its addresses. */
export async function refreshSearchDocument(context: Context, userId: string | null | undefined): Promise<void> {
  if (!userId) return
  const user = await context.prisma.user.findUnique({ where: { id: userId }, include: { addresses: true } })
  if (!user) return
  const searchDocument = searchDocumentOf(user, user.addresses)
  if (searchDocument !== user.searchDocument)
    await context.prisma.user.update({ where: { id: userId }, data: { searchDocument } })
}
