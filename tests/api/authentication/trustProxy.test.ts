// TRUST_PROXY as a list of proxy addresses, end to end: which client IP the per-IP limit on account
// requests counts. This test process connects from 127.0.0.1; one server names another address
// (10.0.0.1) as its proxy, so this process is a client that reaches it directly, and the other
// names 127.0.0.1, so this process is the proxy. Both allow 3 account requests per IP, to keep
// the counts short.
import '../../helpers/env'
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { randomInt } from 'node:crypto'
import { startServer, type TestServer } from '../../helpers/server'

const REQUEST = `mutation($email: String!) { requestPasswordReset(email: $email, redirectUrl: "http://localhost:3001/reset") { errors { field code } } }`
const LIMIT = 3

let behindOtherProxy: TestServer
let behindThisProcess: TestServer

before(async () => {
  ;[behindOtherProxy, behindThisProcess] = await Promise.all([
    startServer({ env: { TRUST_PROXY: '10.0.0.1', ACCOUNT_REQUEST_LIMIT: String(LIMIT) } }),
    startServer({ env: { TRUST_PROXY: '127.0.0.1', ACCOUNT_REQUEST_LIMIT: String(LIMIT) } }),
  ])
})
after(async () => {
  await Promise.all([behindOtherProxy?.stop(), behindThisProcess?.stop()])
})

function randomIp(): string {
  return `203.0.${randomInt(256)}.${randomInt(1, 255)}`
}

// the codes of each answer in turn, sent one after another with the given header
async function codesFor(server: TestServer, forwardedFor: () => string, times: number): Promise<string[]> {
  const codes: string[] = []
  for (let i = 0; i < times; i++) {
    const res = await server.gql(
      REQUEST,
      { email: 'nobody@example.com' },
      { headers: { 'x-forwarded-for': forwardedFor() } },
    )
    codes.push(res.body.data.requestPasswordReset.errors[0]?.code ?? 'OK')
  }
  return codes
}

test('a client that reaches the server directly and rotates X-Forwarded-For is still counted as its own address', async () => {
  // when this process, not the listed proxy, sends a fresh forged address each time
  const codes = await codesFor(behindOtherProxy, randomIp, LIMIT + 1)
  // then all of them counted against 127.0.0.1
  assert.deepEqual(codes, ['OK', 'OK', 'OK', 'TOO_MANY_REQUESTS'])
})

test('behind a listed proxy, each client address the proxy appended is counted on its own', async () => {
  // when the proxy forwards requests from different clients
  const codes = await codesFor(behindThisProcess, randomIp, LIMIT + 1)
  // then none of them reached its limit
  assert.deepEqual(codes, ['OK', 'OK', 'OK', 'OK'])
})

test("behind a listed proxy, entries a client wrote before the proxy's own are ignored", async () => {
  // given one client behind the proxy that forges a fresh address in front of the one the proxy appends
  const client = randomIp()
  // when
  const codes = await codesFor(behindThisProcess, () => `${randomIp()}, ${client}`, LIMIT + 1)
  // then it is counted as the address the proxy saw
  assert.deepEqual(codes, ['OK', 'OK', 'OK', 'TOO_MANY_REQUESTS'])
})
