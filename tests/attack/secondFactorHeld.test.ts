// Attacks on the second factor (issue 20) that held when tried: kept as guards, each in the shape
// the authors' own tests did not take.
import '../helpers/env'
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, type TestServer } from '../helpers/server'
import { makeCustomer } from '../helpers/factories'
import {
  TOKEN_CREATE,
  TOKEN_CREATE_MFA,
  answer,
  awayFromStepEdge,
  challengeFor,
  codeFor,
  codesOf,
  confirmedLongAgo,
  enrol,
} from '../api/mfa/mfaClient'
import { authenticationOptions } from '../api/passkeys/passkeyClient'

let server: TestServer
let host = 1
const newIp = () => `192.0.2.${100 + host++}`

before(async () => {
  server = await startServer({ env: { TRUST_PROXY: '1' } })
})
after(async () => {
  await server?.stop()
})

test("held: a challenge of one user answered with another user's good code signs no one in and spends nothing", async () => {
  const a = await enrol(server, await makeCustomer(server.context))
  const b = await enrol(server, await makeCustomer(server.context))
  await confirmedLongAgo(server, a.userId)
  await confirmedLongAgo(server, b.userId)
  const ip = newIp()
  const challengeA = await challengeFor(server, a.email, ip)
  await awayFromStepEdge()
  const codeB = codeFor(b.secret)
  assert.deepEqual(codesOf(await answer(server, challengeA, codeB, ip)), ['INVALID_MFA_CODE'])
  assert.deepEqual(codesOf(await answer(server, challengeA, b.recoveryCodes[0]!, ip)), ['INVALID_MFA_CODE'])
  // B's code and recovery code are still B's to use
  const challengeB = await challengeFor(server, b.email, ip)
  assert.deepEqual((await answer(server, challengeB, codeB, ip)).errors, [])
  const againB = await challengeFor(server, b.email, ip)
  assert.deepEqual((await answer(server, againB, b.recoveryCodes[0]!, ip)).errors, [])
})

test('held: unicode digits, a number, and a code padded to look right are not codes', async () => {
  const user = await enrol(server, await makeCustomer(server.context))
  await confirmedLongAgo(server, user.userId)
  const ip = newIp()
  const challenge = await challengeFor(server, user.email, ip)
  await awayFromStepEdge()
  const code = codeFor(user.secret)
  const arabic = [...code].map(d => String.fromCharCode(0x0660 + Number(d))).join('')
  const fullwidth = [...code].map(d => String.fromCharCode(0xff10 + Number(d))).join('')
  for (const shape of [arabic, fullwidth, `${code}0`, `0${code}`])
    assert.deepEqual(codesOf(await answer(server, challenge, shape, ip)), ['INVALID_MFA_CODE'], JSON.stringify(shape))
  const asNumber = await server.gql(
    `mutation { tokenCreateMfa(challenge: "${challenge}", code: ${Number(code) || 1}) { token errors { code } } }`,
    {},
    { headers: { 'x-forwarded-for': ip } },
  )
  assert.ok(asNumber.body.errors, 'a code as a number is a GraphQL error')
})

test('held: batched JSON array bodies and aliases do not answer one challenge twice', async () => {
  const user = await enrol(server, await makeCustomer(server.context))
  await confirmedLongAgo(server, user.userId)
  const ip = newIp()
  const challenge = await challengeFor(server, user.email, ip)
  await awayFromStepEdge()
  const code = codeFor(user.secret)
  const batch = await fetch(`${server.url}/api/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': ip },
    body: JSON.stringify([
      { query: TOKEN_CREATE_MFA, variables: { challenge, code } },
      { query: TOKEN_CREATE_MFA, variables: { challenge, code } },
    ]),
  })
  const text = await batch.text()
  assert.ok(!/"token":"ey/.test(text), `a batched body signed in: ${text.slice(0, 300)}`)
  const aliased = await server.gql(
    `mutation($c: String!, $k: String!) {
      a: tokenCreateMfa(challenge: $c, code: $k) { token errors { code } }
      b: tokenCreateMfa(challenge: $c, code: $k) { token errors { code } } }`,
    { c: challenge, k: code },
    { headers: { 'x-forwarded-for': ip } },
  )
  const tokens = [aliased.body.data?.a?.token, aliased.body.data?.b?.token].filter(Boolean)
  assert.ok(tokens.length <= 1, JSON.stringify(aliased.body))
})

test('held: a wrong password answers alike for an enrolled account, an unenrolled one and an unknown email', async () => {
  const enrolled = await enrol(server, await makeCustomer(server.context))
  const plain = await makeCustomer(server.context)
  const bodies = []
  for (const email of [enrolled.email, plain.email, `nobody-${Date.now()}@example.com`]) {
    const res = await server.gql(
      TOKEN_CREATE,
      { email, password: 'wrong password here' },
      { headers: { 'x-forwarded-for': newIp() } },
    )
    bodies.push(JSON.stringify(res.body))
  }
  assert.equal(new Set(bodies).size, 1, bodies.join('\n'))
})

test('held: passkey options for a registered and an unknown email have the same shape', async () => {
  const user = await makeCustomer(server.context)
  const known = await authenticationOptions(server, user.email)
  const unknown = await authenticationOptions(server, `nobody-${Date.now()}@example.com`)
  const shape = (o: Record<string, unknown>) => JSON.stringify({ ...o, challenge: typeof o.challenge })
  assert.equal(shape(known), shape(unknown))
})
