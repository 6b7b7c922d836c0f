// What a request refused before any field ran looks like to a client: HTTP 200 (as Saleor answers
// a token error), no data, and one GraphQL error whose extensions.code says why.
import assert from 'node:assert/strict'
import type { GraphQLResponse } from './server'

/** A request whose Bearer token was refused with `code` (JWT_DECODE_ERROR, JWT_SIGNATURE_EXPIRED, JWT_INVALID_TOKEN). */
export function assertTokenRefused(res: GraphQLResponse, code: string, message?: string): void {
  const label = message ? `${message}: ${JSON.stringify(res.body)}` : JSON.stringify(res.body)
  assert.equal(res.status, 200, label)
  assert.equal(res.body.data, undefined, `nothing ran: ${label}`)
  assert.deepEqual(
    (res.body.errors ?? []).map((error: { extensions?: { code?: string } }) => error.extensions?.code),
    [code],
    label,
  )
}
