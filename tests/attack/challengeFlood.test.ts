// Attacks on the second factor's challenges (issue 20): what an anonymous client can make the
// server store. Each test names the hole it shows and the fix proposed; each FAILS while it exists.
import '../helpers/env'
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, type TestServer } from '../helpers/server'
import { AUTHENTICATION_OPTIONS } from '../api/passkeys/passkeyClient'

let server: TestServer

before(async () => {
  server = await startServer({ env: { TRUST_PROXY: '1' } })
})
after(async () => {
  await server?.stop()
})

// HOLE (Low): anyone, unauthenticated and from one address, makes the server store a row per
// passkeyAuthenticationOptions call (a PASSKEY_SIGN_IN challenge, kept 5 minutes), without any
// limit: nothing counts these calls per client. A few hundred requests a second from one client
// grow AuthChallenge by millions of rows per 5 minutes, while the sweeper deletes only 500 a pass.
// FIX (proposed): services/identity/passkeys.ts: passkeyAuthenticationOptions counts the calls per
// client network (the rate limiter of services/messaging/rateLimits.ts, or a LoginThrottle-like key
// `passkey-options:<network>`) and refuses past a bound (e.g. 60 a minute) with
// LOGIN_ATTEMPT_DELAYED, or a stateless challenge (an HMAC of random bytes and expiry, spent by a
// row written only at tokenCreateWithPasskey).
test('one anonymous client cannot make the server store challenges without limit', async () => {
  const ip = '198.18.7.7'
  const before = await server.context.prisma.authChallenge.count()
  const CALLS = 400
  let refused = 0
  for (let batch = 0; batch < CALLS / 20; batch++) {
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => server.gql(AUTHENTICATION_OPTIONS, {}, { headers: { 'x-forwarded-for': ip } })),
    )
    for (const res of answers) {
      const payload = res.body.data?.passkeyAuthenticationOptions
      if (!payload?.options) refused++
    }
  }
  const stored = (await server.context.prisma.authChallenge.count()) - before
  assert.ok(
    refused > 0 && stored < CALLS,
    `${CALLS} anonymous calls from one address in a few seconds: ${refused} refused, ${stored} challenge rows stored`,
  )
})
