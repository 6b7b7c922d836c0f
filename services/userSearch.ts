// What `search` matches in the customers and staffUsers queries: email, names, phone, and the
// fields of the user's addresses; case-insensitive on both databases.
import { env } from '../env'
import { providerOf } from '../database'

const USER_FIELDS = ['email', 'firstName', 'lastName', 'name', 'phone'] as const
const ADDRESS_FIELDS = ['firstName', 'lastName', 'companyName', 'streetAddress1', 'streetAddress2', 'city', 'postalCode', 'country', 'countryArea', 'phone'] as const

export function searchFilter (search: string): Record<string, unknown> {
  const term = search.trim()
  // SQLite's LIKE already ignores ASCII case; PostgreSQL needs insensitive mode
  const contains = providerOf(env.databaseUrl) === 'postgresql' ? { contains: term, mode: 'insensitive' } : { contains: term }
  return {
    OR: [
      ...USER_FIELDS.map(field => ({ [field]: contains })),
      { addresses: { some: { OR: ADDRESS_FIELDS.map(field => ({ [field]: contains })) } } },
    ],
  }
}
