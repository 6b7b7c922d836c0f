// Saleor's own storefront client, @saleor/auth-sdk, unchanged against this server (API.md section 3):
// it signs in with tokenCreate, sends the access token on its requests (only to the token's `iss`),
// and refreshes an access token it sees expired with tokenRefresh by itself, before the server
// would refuse it with JWT_SIGNATURE_EXPIRED. The storefront reaches the server at PUBLIC_URL, as
// behind a proxy: the test's fetch sends that origin to the server's loopback port, as a hosts file
// would, and records every request the client makes.
import '../../helpers/env'
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { createSaleorAuthClient, type StorageRepository } from '@saleor/auth-sdk'
import { TEST_PUBLIC_URL } from '../../helpers/env'
import { startServer, type TestServer } from '../../helpers/server'
import { PASSWORD, makeCustomer } from '../../helpers/factories'
import { assertTokenRefused } from '../../helpers/refusals'

// short enough to wait out, longer than the sdk's 2 s grace, so a fresh token is used as it is
const ACCESS_TOKEN_TTL = 4
const API = `${TEST_PUBLIC_URL}/api/graphql`
const ME = 'query Me { me { id email } }'

type Sent = { operation: string; authorization: string | null }

let server: TestServer
const sent: Sent[] = []
const realFetch = globalThis.fetch

before(async () => {
  server = await startServer({ env: { ACCESS_TOKEN_TTL: String(ACCESS_TOKEN_TTL) } })
  globalThis.fetch = async (input: string | URL | Request, init?: RequestInit) => {
    const url = String(input instanceof Request ? input.url : input)
    const headers = new Headers(init?.headers)
    const body = typeof init?.body === 'string' ? (JSON.parse(init.body) as { query?: string }) : {}
    const operation = /(?:query|mutation)\s+(\w+)/.exec(body.query ?? '')?.[1] ?? 'unnamed'
    sent.push({ operation, authorization: headers.get('authorization') })
    return realFetch(url.replace(TEST_PUBLIC_URL, server.url), init)
  }
})
after(async () => {
  globalThis.fetch = realFetch
  await server?.stop()
})

function memoryStorage(): StorageRepository {
  const items = new Map<string, string>()
  return {
    getItem: key => items.get(key) ?? null,
    setItem: (key, value) => void items.set(key, value),
    removeItem: key => void items.delete(key),
  }
}

function newClient() {
  return createSaleorAuthClient({
    saleorApiUrl: API,
    refreshTokenStorage: memoryStorage(),
    accessTokenStorage: memoryStorage(),
  })
}

async function me(client: ReturnType<typeof newClient>) {
  const response = await client.fetchWithAuth(API, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: ME }),
  })
  return (await response.json()) as { data?: { me: { id: string; email: string } | null }; errors?: unknown[] }
}

function expiryOf(token: string): number {
  return (JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { exp: number }).exp
}

test('the sdk signs in with tokenCreate and its requests act as the customer', async () => {
  // given
  const customer = await makeCustomer(server.context)
  const client = newClient()
  // when
  const signedIn = await client.signIn({ email: customer.email, password: PASSWORD })
  // then
  assert.deepEqual(signedIn.data.tokenCreate.errors, [])
  assert.deepEqual(await me(client), { data: { me: { id: customer.id, email: customer.email } } })
})

test('the sdk refreshes an expired access token by itself, and the server refuses the expired one', async () => {
  // given a signed-in client whose access token has expired
  const customer = await makeCustomer(server.context)
  const client = newClient()
  const signedIn = await client.signIn({ email: customer.email, password: PASSWORD })
  const expired = signedIn.data.tokenCreate.token!
  while (Date.now() / 1000 <= expiryOf(expired) + 0.5) await new Promise(resolve => setTimeout(resolve, 200))
  assertTokenRefused(await server.gql(ME, {}, { token: expired }), 'JWT_SIGNATURE_EXPIRED')
  sent.length = 0
  // when
  const answer = await me(client)
  // then: it refreshed first (without the expired token in a header), then asked with a new token
  assert.deepEqual(answer, { data: { me: { id: customer.id, email: customer.email } } })
  assert.deepEqual(
    sent.map(({ operation, authorization }) => ({ operation, bearer: authorization?.replace(/^Bearer /, '') })),
    [
      { operation: 'refreshToken', bearer: undefined },
      { operation: 'Me', bearer: sent[1]?.authorization?.replace(/^Bearer /, '') },
    ],
  )
  const fresh = sent[1]!.authorization!.replace(/^Bearer /, '')
  assert.notEqual(fresh, expired)
  assert.ok(expiryOf(fresh) > Date.now() / 1000, 'the new token is current')
})

test('the sdk signed out has no token to send: its requests are anonymous', async () => {
  const client = newClient()
  assert.deepEqual(await me(client), { data: { me: null } })
  assert.equal(sent.at(-1)?.authorization, null)
})
