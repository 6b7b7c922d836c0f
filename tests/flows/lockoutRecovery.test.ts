// A lockout an attacker can cause is one the owner can always undo. Anonymous guesses from many
// networks lock a staff member's password sign-in (the account's ceiling); a proven password reset
// lifts it on every way in (tokenCreate and the Admin UI's sign-in), and an owner whose device
// signed in before gets in meanwhile; guesses from one network lock only that network out.
// The server trusts this test process as its proxy (TRUST_PROXY=1), so each request speaks from
// the address in its X-Forwarded-For. The last story runs two server processes on one PostgreSQL.
import '../helpers/env'
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { databaseSkipReason, startServer, type GraphQLResponse, type TestServer } from '../helpers/server'
import { startMailbox, tokenFromMail, type Mailbox } from '../helpers/mailbox'
import { PASSWORD, makeStaff } from '../helpers/factories'
import { ACCOUNT_CEILING, NETWORK_ACCOUNT_CEILING } from '../../services/identity/throttle'
import { DEVICE_PROOF_TTL_SECONDS, deviceCookieName, issueDeviceProof } from '../../services/identity/deviceProof'

const TOKEN_CREATE = `mutation($email: String!, $password: String!) {
  tokenCreate(email: $email, password: $password) { token user { id } errors { field code message } }
}`
const ADMIN_SIGN_IN = `mutation($email: String!, $password: String!) {
  authenticateUserWithPassword(email: $email, password: $password) {
    __typename
    ... on UserAuthenticationWithPasswordSuccess { item { id } }
    ... on UserAuthenticationWithPasswordFailure { message }
  }
}`
const REQUEST_RESET = `mutation($email: String!) {
  requestPasswordReset(email: $email, redirectUrl: "http://localhost:3001/reset") { errors { field code } }
}`
const SET_PASSWORD = `mutation($email: String!, $token: String!, $password: String!) {
  setPassword(email: $email, token: $token, password: $password) { token errors { field code } }
}`

const NEW_PASSWORD = 'a new password after the attack'
const CEILING_MESSAGE =
  /^Too many sign-in attempts for this account\. Try again in \d+ minutes, or reset your password\.$/

type Staff = { id: string; email: string }
type Client = { ip: string; cookie?: string }

// each attacking address in a /24 of its own, far from the owner's networks
let attackerNetworks = 0
function attackerIp(): string {
  attackerNetworks += 1
  return `198.${18 + (attackerNetworks >> 8)}.${attackerNetworks & 255}.7`
}

function request(client: Client) {
  return { headers: { 'x-forwarded-for': client.ip, ...(client.cookie ? { cookie: client.cookie } : {}) } }
}

async function tokenCreate(server: TestServer, email: string, password: string, client: Client) {
  return server.gql(TOKEN_CREATE, { email, password }, request(client))
}

async function adminSignIn(server: TestServer, email: string, password: string, client: Client) {
  return server.gql(ADMIN_SIGN_IN, { email, password }, request(client))
}

// the device proof cookie a sign-in left, as `name=value`
function deviceCookie(res: GraphQLResponse): string | undefined {
  return res.headers
    .getSetCookie()
    .find(cookie => cookie.startsWith('device-'))
    ?.split(';')[0]
}

function tokenCreateCodes(res: GraphQLResponse): string[] {
  return res.body.data.tokenCreate.errors.map((error: { code: string }) => error.code)
}

/** Lock the account for everyone without a proof: ACCOUNT_CEILING failures, four from each of many networks. */
async function lockAccount(servers: TestServer[], email: string): Promise<void> {
  const attempts = Array.from({ length: ACCOUNT_CEILING / 4 }, (_, i) => ({
    ip: attackerIp(),
    server: servers[i % servers.length]!,
  }))
  // ten at a time, as many clients of a botnet would send them
  for (let i = 0; i < attempts.length; i += 10) {
    await Promise.all(
      attempts.slice(i, i + 10).map(async ({ ip, server }) => {
        for (let n = 0; n < 4; n++) {
          const res = await tokenCreate(server, email, `guess ${ip} ${n}`, { ip })
          assert.deepEqual(tokenCreateCodes(res), ['INVALID_CREDENTIALS'])
        }
      }),
    )
  }
}

/** Guesses that go on whatever they are answered, from fresh networks, until stopped. */
function keepGuessing(server: TestServer, email: string): () => Promise<void> {
  let stopped = false
  const loop = (async () => {
    while (!stopped) await tokenCreate(server, email, 'another guess', { ip: attackerIp() })
  })()
  return async () => {
    stopped = true
    await loop
  }
}

/** Both ways in refuse this client with the ceiling's message, even with the right password. */
async function assertLockedOut(server: TestServer, staff: Staff, client: Client, password = PASSWORD): Promise<void> {
  const viaToken = await tokenCreate(server, staff.email, password, client)
  assert.deepEqual(tokenCreateCodes(viaToken), ['LOGIN_ATTEMPT_DELAYED'])
  assert.match(viaToken.body.data.tokenCreate.errors[0].message, CEILING_MESSAGE)
  assert.equal(viaToken.body.data.tokenCreate.token, null)
  const viaAdmin = await adminSignIn(server, staff.email, password, client)
  assert.equal(viaAdmin.body.data.authenticateUserWithPassword.__typename, 'UserAuthenticationWithPasswordFailure')
  assert.match(viaAdmin.body.data.authenticateUserWithPassword.message, CEILING_MESSAGE)
}

/** Both ways in let this client in with this password. */
async function assertSignsIn(server: TestServer, staff: Staff, client: Client, password = PASSWORD): Promise<void> {
  const viaAdmin = await adminSignIn(server, staff.email, password, client)
  assert.deepEqual(viaAdmin.body.data.authenticateUserWithPassword, {
    __typename: 'UserAuthenticationWithPasswordSuccess',
    item: { id: staff.id },
  })
  const viaToken = await tokenCreate(server, staff.email, password, client)
  assert.deepEqual(viaToken.body.data.tokenCreate.errors, [])
  assert.equal(viaToken.body.data.tokenCreate.user.id, staff.id)
}

describe('lockouts the owner can undo', () => {
  let server: TestServer
  let mailbox: Mailbox

  before(async () => {
    mailbox = await startMailbox()
    server = await startServer({ env: { TRUST_PROXY: '1', SMTP_URL: mailbox.url, OUTBOX_POLL_MS: '100' } })
  })
  after(async () => {
    await server?.stop()
    await mailbox?.stop()
  })

  test('a staff member locked out by guesses from other networks resets the password, and both ways in open again', async () => {
    // given a staff member, and another, whose accounts anonymous guesses from many networks have locked
    const staff = await makeStaff(server.context, ['MANAGE_USERS'])
    const bystander = await makeStaff(server.context, ['MANAGE_USERS'])
    await lockAccount([server], staff.email)
    await lockAccount([server], bystander.email)
    const owner = { ip: '192.0.2.10' }
    await assertLockedOut(server, staff, owner)

    // when the owner asks for a reset and sets a new password with the mailed link
    const asked = await server.gql(REQUEST_RESET, { email: staff.email }, request(owner))
    assert.deepEqual(asked.body.data.requestPasswordReset.errors, [])
    const token = tokenFromMail(await mailbox.next(staff.email))
    const reset = await server.gql(SET_PASSWORD, { email: staff.email, token, password: NEW_PASSWORD }, request(owner))
    assert.deepEqual(reset.body.data.setPassword.errors, [])

    // then the Admin UI and tokenCreate let the owner in from anywhere, with no device proof
    await assertSignsIn(server, staff, { ip: '192.0.2.10' }, NEW_PASSWORD)
    await assertSignsIn(server, staff, { ip: '203.0.113.77' }, NEW_PASSWORD)
    // the old password is just wrong now, not delayed
    assert.deepEqual(tokenCreateCodes(await tokenCreate(server, staff.email, PASSWORD, owner)), ['INVALID_CREDENTIALS'])
    // and the other account stays locked: a reset lifts its own account's lockout only
    await assertLockedOut(server, bystander, owner)
  })

  test('a reset leaves a device proof: the attack going on afterwards does not lock the owner out again', async () => {
    // given a locked account whose owner has reset the password
    const staff = await makeStaff(server.context, ['MANAGE_USERS'])
    await lockAccount([server], staff.email)
    await server.gql(REQUEST_RESET, { email: staff.email }, request({ ip: '192.0.2.11' }))
    const token = tokenFromMail(await mailbox.next(staff.email))
    const reset = await server.gql(
      SET_PASSWORD,
      { email: staff.email, token, password: NEW_PASSWORD },
      request({ ip: '192.0.2.11' }),
    )
    const cookie = deviceCookie(reset)
    assert.ok(cookie)

    // when the attack locks the account again
    await lockAccount([server], staff.email)

    // then the browser that reset the password still gets in; another does not
    await assertSignsIn(server, staff, { ip: '192.0.2.11', cookie }, NEW_PASSWORD)
    await assertLockedOut(server, staff, { ip: '192.0.2.12' }, NEW_PASSWORD)
  })

  test('an owner whose device signed in before gets in while the attack runs, through tokenCreate and the Admin UI', async () => {
    // given the owner's earlier sign-ins, one through tokenCreate and one through the Admin UI
    const staff = await makeStaff(server.context, ['MANAGE_USERS'])
    const viaToken = await tokenCreate(server, staff.email, PASSWORD, { ip: '192.0.2.20' })
    const viaAdmin = await adminSignIn(server, staff.email, PASSWORD, { ip: '192.0.2.21' })
    const fromToken = deviceCookie(viaToken)
    const fromAdmin = deviceCookie(viaAdmin)
    assert.ok(fromToken && fromAdmin)
    // an http-only, Secure (production), Strict cookie, sent to the API only, for thirty days
    for (const res of [viaToken, viaAdmin]) {
      const attributes = res.headers.getSetCookie().find(c => c.startsWith('device-'))!
      assert.match(attributes, /; Path=\/api\/graphql; HttpOnly; SameSite=Strict; Max-Age=2592000; Secure$/)
    }
    assert.equal(DEVICE_PROOF_TTL_SECONDS, 2592000)
    // the Admin UI's session cookie is still set beside it
    assert.ok(viaAdmin.headers.getSetCookie().some(c => c.startsWith('keystonejs-session=')))

    // when the attack locks the account, and goes on while the owner signs in from a new address
    await lockAccount([server], staff.email)
    const stopGuessing = keepGuessing(server, staff.email)
    await assertSignsIn(server, staff, { ip: '203.0.113.20', cookie: fromToken })
    await assertSignsIn(server, staff, { ip: '203.0.113.21', cookie: fromAdmin })
    await stopGuessing()

    // then the same owner without the proof waits, as everyone else does
    await assertLockedOut(server, staff, { ip: '203.0.113.22' })
    // and the proof does not spare its own failures: five free, then a delay for that address
    const mine = { ip: '203.0.113.23', cookie: fromToken }
    for (let i = 0; i < 6; i++)
      assert.deepEqual(tokenCreateCodes(await tokenCreate(server, staff.email, `typo ${i}`, mine)), [
        'INVALID_CREDENTIALS',
      ])
    const delayed = await tokenCreate(server, staff.email, PASSWORD, mine)
    assert.deepEqual(tokenCreateCodes(delayed), ['LOGIN_ATTEMPT_DELAYED'])
    assert.match(delayed.body.data.tokenCreate.errors[0].message, /^Too many failed sign-in attempts\./)
  })

  test('guesses from one network lock that network out of the account, and the owner on another network signs in', async () => {
    // given an attacker spending an account's ceiling for one network from several of its addresses
    const staff = await makeStaff(server.context, ['MANAGE_USERS'])
    for (let host = 1; host <= NETWORK_ACCOUNT_CEILING / 4; host++) {
      for (let n = 0; n < 4; n++) {
        const res = await tokenCreate(server, staff.email, `guess ${n}`, { ip: `198.51.100.${host}` })
        assert.deepEqual(tokenCreateCodes(res), ['INVALID_CREDENTIALS'])
      }
    }

    // when a fresh address of that network tries the right password, and the owner from another network
    await assertLockedOut(server, staff, { ip: '198.51.100.250' })

    // then the owner, with no device proof, gets in through both ways
    await assertSignsIn(server, staff, { ip: '192.0.2.30' })
  })

  test("a forged, altered, expired or another user's device proof gives nothing", async () => {
    // given a locked account, another staff member's real proof, and the owner's own real proof
    const staff = await makeStaff(server.context, ['MANAGE_USERS'])
    const other = await makeStaff(server.context, ['MANAGE_USERS'])
    const othersCookie = deviceCookie(await tokenCreate(server, other.email, PASSWORD, { ip: '192.0.2.40' }))!
    const ownCookie = deviceCookie(await tokenCreate(server, staff.email, PASSWORD, { ip: '192.0.2.41' }))!
    await lockAccount([server], staff.email)
    const name = deviceCookieName(staff.id)
    const [, ownValue] = ownCookie.split('=') as [string, string]
    const [expires, device, signature] = ownValue.split('.') as [string, string, string]
    const expired = issueDeviceProof(staff.id, Date.now() - (DEVICE_PROOF_TTL_SECONDS + 60) * 1000)
    const flip = (text: string) => `${text.slice(0, -1)}${text.endsWith('A') ? 'B' : 'A'}`

    // when each of them is presented with the right password
    const proofs = {
      'made up': `${name}=${Math.floor(Date.now() / 1000) + 3600}.AAAAAAAAAAAAAAAAAAAAAA.${'A'.repeat(43)}`,
      'signature altered': `${name}=${expires}.${device}.${flip(signature)}`,
      'expiry pushed back': `${name}=${Number(expires) + 86400}.${device}.${signature}`,
      expired: `${name}=${expired.value}`,
      "another user's, as it was set": othersCookie,
      "another user's, renamed": `${name}=${othersCookie.split('=')[1]}`,
      garbage: `${name}=%E0%A4%A`,
    }

    // then each is refused as a client with no proof is
    for (const [what, cookie] of Object.entries(proofs)) {
      await assert.doesNotReject(assertLockedOut(server, staff, { ip: '192.0.2.42', cookie }), what)
    }
    // while the owner's real one, from the same address, gets in
    await assertSignsIn(server, staff, { ip: '192.0.2.42', cookie: ownCookie })
  })

  test('twin resets with one link at once: one sets the password, the other changes nothing, and the lockout is lifted', async () => {
    // given a locked account and one reset link
    const staff = await makeStaff(server.context, ['MANAGE_USERS'])
    await lockAccount([server], staff.email)
    const owner = { ip: '192.0.2.50' }
    await server.gql(REQUEST_RESET, { email: staff.email }, request(owner))
    const token = tokenFromMail(await mailbox.next(staff.email))

    // when the link is redeemed twice at once with two passwords
    const passwords = ['first twin password here', 'second twin password here']
    const answers = await Promise.all(
      passwords.map(password => server.gql(SET_PASSWORD, { email: staff.email, token, password }, request(owner))),
    )

    // then exactly one is taken, and only its password opens both ways in
    const codes = answers.map(res => res.body.data.setPassword.errors.map((e: { code: string }) => e.code).join())
    assert.deepEqual([...codes].sort(), ['', 'INVALID'])
    const winner = passwords[codes.indexOf('')]!
    const loser = passwords[codes.indexOf('INVALID')]!
    await assertSignsIn(server, staff, { ip: '203.0.113.50' }, winner)
    assert.deepEqual(tokenCreateCodes(await tokenCreate(server, staff.email, loser, owner)), ['INVALID_CREDENTIALS'])
    const events = await server.context.prisma.accountEvent.count({
      where: { userId: staff.id, type: 'PASSWORD_RESET' },
    })
    assert.equal(events, 1)
  })
})

describe('lockouts on two server processes sharing one PostgreSQL', { skip: databaseSkipReason('postgresql') }, () => {
  let first: TestServer
  let second: TestServer
  let mailbox: Mailbox

  before(async () => {
    mailbox = await startMailbox()
    const env = { TRUST_PROXY: '1', SMTP_URL: mailbox.url, OUTBOX_POLL_MS: '100' }
    first = await startServer({ database: 'postgresql', env })
    second = await startServer({ databaseUrl: first.databaseUrl, env })
  })
  after(async () => {
    // the second first: stopping the first drops the database they share
    await second?.stop()
    await first?.stop()
    await mailbox?.stop()
  })

  test('guesses spread over both lock the account on both; a reset through one lifts it on both; a proof from one works on the other', async () => {
    // given a device proof from a sign-in on the first process, and guesses spread over both
    const staff = await makeStaff(first.context, ['MANAGE_USERS'])
    const cookie = deviceCookie(await tokenCreate(first, staff.email, PASSWORD, { ip: '192.0.2.60' }))!
    await lockAccount([first, second], staff.email)

    // then both refuse a client with no proof, and both let the proven device in
    await assertLockedOut(first, staff, { ip: '192.0.2.61' })
    await assertLockedOut(second, staff, { ip: '192.0.2.61' })
    await assertSignsIn(second, staff, { ip: '203.0.113.60', cookie })

    // when the owner resets the password through the second process, twin requests at once
    await second.gql(REQUEST_RESET, { email: staff.email }, request({ ip: '192.0.2.62' }))
    const token = tokenFromMail(await mailbox.next(staff.email))
    const answers = await Promise.all(
      [first, second].map(server =>
        server.gql(SET_PASSWORD, { email: staff.email, token, password: NEW_PASSWORD }, request({ ip: '192.0.2.62' })),
      ),
    )
    assert.equal(answers.filter(res => res.body.data.setPassword.errors.length === 0).length, 1)

    // then both processes let the owner in without a proof
    await assertSignsIn(first, staff, { ip: '192.0.2.63' }, NEW_PASSWORD)
    await assertSignsIn(second, staff, { ip: '192.0.2.64' }, NEW_PASSWORD)
  })
})
