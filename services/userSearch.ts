// What `search` matches in the customers and staffUsers queries: email, names, phone, and the
// fields of the user's addresses, case-insensitively, through the search document
// (services/searchDocument.ts), which is stored lower-case.

export function searchFilter (search: string): Record<string, unknown> {
  return { searchDocument: { contains: search.trim().toLowerCase() } }
}
