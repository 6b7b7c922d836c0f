// Review of issue 17 item 9 after issue 21: the work a request may cause is bounded by all it
// carries. A call to an identity provider (its discovery, its token endpoint) is costly work of its
// own kind, one per request (lists/costlyWork.ts, externalAuthenticationUrl); every field that makes
// one must say so on the field, or aliases multiply it. externalLogout discovers the provider
// (services/identity/externalSignIn.ts: externalLogoutUrl), and a failed discovery is not kept.
import '../helpers/env'
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import { startServer, type TestServer } from '../helpers/server'

const ALIASES = 5

let server: TestServer
let provider: Server
let discoveries = 0

// a provider that is down: its discovery document answers 503, and every ask is counted
async function startDownProvider(): Promise<string> {
  provider = createServer((req, res) => {
    if (req.url?.includes('/.well-known/')) discoveries++
    res.writeHead(503, { 'content-type': 'text/plain' }).end('down for maintenance')
  })
  await new Promise<void>(resolve => provider.listen(0, '127.0.0.1', resolve))
  const address = provider.address()
  return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`
}

function aliased(field: (i: number) => string): string {
  return `mutation { ${Array.from({ length: ALIASES }, (_, i) => `a${i}: ${field(i)}`).join(' ')} }`
}

before(async () => {
  const issuer = await startDownProvider()
  const providers = [{ id: 'down', issuer, clientId: 'shop', clientSecret: 'a-client-secret-of-the-shop' }]
  server = await startServer({ env: { OIDC_PROVIDERS: JSON.stringify(providers) } })
})

after(async () => {
  await server?.stop()
  await new Promise(resolve => provider?.close(resolve))
})

describe('one request calls a provider that is down at most once', () => {
  test('externalAuthenticationUrl aliased is refused whole before any call', async () => {
    // given
    const before = discoveries
    // when
    const res = await server.gql(
      aliased(
        () =>
          `externalAuthenticationUrl(pluginId: "down", input: "{\\"redirectUri\\": \\"http://localhost:4999/cb\\"}") { authenticationData errors { code } }`,
      ),
    )
    // then
    assert.equal(res.body.errors?.[0]?.extensions?.code, 'REQUEST_TOO_LARGE', JSON.stringify(res.body))
    assert.equal(res.body.errors[0].extensions.limit, 'costlyItems')
    assert.equal(discoveries, before)
  })

  test('externalLogout aliased makes one provider call, not one per alias', async () => {
    // given
    const before = discoveries
    // when
    const res = await server.gql(
      aliased(() => 'externalLogout(pluginId: "down", input: "{}") { logoutData errors { code } }'),
    )
    // then: refused whole as externalAuthenticationUrl is, or answered with one call to the provider
    // FINDING: externalLogout (mutations/external/externalLogout.ts) declares no costly('provider'),
    // though it discovers the provider (externalLogoutUrl → providerConfiguration) and a failed
    // discovery is not kept: one anonymous request with N aliases makes N calls to the provider
    // (each up to PROVIDER_TIMEOUT_SECONDS while it hangs, one after the other as mutations run),
    // the amplification the declaration on externalAuthenticationUrl exists to stop.
    assert.ok(
      discoveries - before <= 1,
      `${discoveries - before} discovery calls for one request: ${JSON.stringify(res.body).slice(0, 300)}`,
    )
  })
})
