// requestPasswordReset: the same answer for unknown emails, the 15-minute quiet period, the
// allowed redirect hosts, and the per-IP limit. The server trusts this test process as its proxy
// (TRUST_PROXY=127.0.0.1), so a request sent with X-Forwarded-For counts as that client.
import '../../helpers/env'
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, type TestServer } from '../../helpers/server'
import { startMailbox, tokenFromMail, type Mailbox } from '../../helpers/mailbox'
import { makeCustomer, makeStaff } from '../../helpers/factories'

const REQUEST = `mutation($email: String!, $url: String!) { requestPasswordReset(email: $email, redirectUrl: $url) { errors { field code } } }`
const REQUEST_WITH_MESSAGES = `mutation($email: String!, $url: String!) { requestPasswordReset(email: $email, redirectUrl: $url) { errors { field code message } } }`
const SET_PASSWORD = `mutation($email: String!, $token: String!) { setPassword(email: $email, token: $token, password: "a fresh and rather long passphrase") { errors { code } } }`
const URL = 'http://localhost:3001/reset'

let server: TestServer
let mailbox: Mailbox

before(async () => {
  mailbox = await startMailbox()
  server = await startServer({ env: { SMTP_URL: mailbox.url, OUTBOX_POLL_MS: '100', TRUST_PROXY: '127.0.0.1' } })
})
after(async () => {
  await server?.stop()
  await mailbox?.stop()
})

// as if the quiet periods had passed: each is a row of the shared limits table (services/messaging/rateLimits.ts)
async function endQuietPeriods() {
  await server.context.prisma.rateLimiterFlexible.updateMany({
    where: { key: { startsWith: 'quiet-' } },
    data: { expire: new Date(Date.now() - 1000) },
  })
}

async function outboxFor(email: string) {
  return server.context.prisma.outboxMail.count({ where: { to: email } })
}

test('requestPasswordReset answers an unknown email like a known one and mails nothing', async () => {
  // given
  const customer = await makeCustomer(server.context)
  // when
  const known = await server.gql(REQUEST, { email: customer.email, url: URL })
  const unknown = await server.gql(REQUEST, { email: 'nobody-here@example.com', url: URL })
  // then
  assert.deepEqual(known.body, unknown.body)
  assert.deepEqual(known.body.data.requestPasswordReset.errors, [])
  assert.equal(await outboxFor('nobody-here@example.com'), 0)
  const mail = await mailbox.next(customer.email)
  assert.ok(tokenFromMail(mail).length >= 43)
  assert.match(mail.text, /http:\/\/localhost:3001\/reset\?email=/)
})

test('a second requestPasswordReset within 15 minutes sends nothing and still answers success, until the link is used', async () => {
  // given
  const customer = await makeCustomer(server.context)
  await server.gql(REQUEST, { email: customer.email, url: URL })
  const first = await mailbox.next(customer.email)
  // when
  const repeat = await server.gql(REQUEST, { email: customer.email, url: URL })
  // then
  assert.deepEqual(repeat.body.data.requestPasswordReset.errors, [])
  assert.equal(await outboxFor(customer.email), 1)
  // once the link is used, the quiet period is over
  assert.deepEqual(
    (await server.gql(SET_PASSWORD, { email: customer.email, token: tokenFromMail(first) })).body.data.setPassword
      .errors,
    [],
  )
  await server.gql(REQUEST, { email: customer.email, url: URL })
  assert.equal(await outboxFor(customer.email), 2)
})

test('concurrent requestPasswordReset twins for one email queue one mail', async () => {
  // given
  const customer = await makeCustomer(server.context)
  // when
  const answers = await Promise.all([1, 2, 3, 4].map(() => server.gql(REQUEST, { email: customer.email, url: URL })))
  // then: every answer is the same success, and the user's row let one of them through
  for (const res of answers) assert.deepEqual(res.body.data.requestPasswordReset.errors, [])
  assert.equal(await outboxFor(customer.email), 1)
})

test('a new reset request racing setPassword with an older link: both answer, neither deadlocks the other', async () => {
  // a client of its own, so its ten requests leave the other tests' per-IP count alone
  const client = { headers: { 'x-forwarded-for': '198.51.100.50' } }
  for (let round = 0; round < 5; round++) {
    // given: a link past the quiet period, so a new request sends (and replaces it) while it is redeemed
    const customer = await makeCustomer(server.context)
    await server.gql(REQUEST, { email: customer.email, url: URL }, client)
    const old = tokenFromMail(await mailbox.next(customer.email))
    await endQuietPeriods()
    // when
    const [set, asked] = await Promise.all([
      server.gql(SET_PASSWORD, { email: customer.email, token: old }),
      server.gql(REQUEST, { email: customer.email, url: URL }, client),
    ])
    // then: answers, not a server error; the reset either won (the password is set) or lost to the newer link
    assert.equal(set.body.errors, undefined, JSON.stringify(set.body.errors))
    assert.equal(asked.body.errors, undefined, JSON.stringify(asked.body.errors))
    assert.deepEqual(asked.body.data.requestPasswordReset.errors, [])
    const codes = set.body.data.setPassword.errors.map((error: { code: string }) => error.code)
    assert.ok(codes.length === 0 || (codes.length === 1 && codes[0] === 'INVALID'), codes.join(', '))
  }
})

test('requestPasswordReset mails staff the staff template', async () => {
  const staff = await makeStaff(server.context, ['MANAGE_USERS'])
  await server.gql(REQUEST, { email: staff.email, url: URL })
  const row = await server.context.prisma.outboxMail.findFirst({ where: { to: staff.email } })
  assert.equal(row?.template, 'STAFF_SET_PASSWORD')
})

test('requestPasswordReset refuses a redirectUrl outside ALLOWED_CLIENT_HOSTS and mails nothing', async () => {
  const customer = await makeCustomer(server.context)
  const res = await server.gql(REQUEST, { email: customer.email, url: 'https://attacker.example.org/steal' })
  assert.deepEqual(res.body.data.requestPasswordReset.errors, [{ field: 'redirectUrl', code: 'INVALID' }])
  assert.equal(await outboxFor(customer.email), 0)
})

test('requestPasswordReset past twenty requests from one IP is refused with TOO_MANY_REQUESTS for known and unknown emails alike, and mails nothing', async () => {
  // given a client that used up its requests on unknown emails
  const customer = await makeCustomer(server.context)
  const client = { headers: { 'x-forwarded-for': '198.51.100.40' } }
  const used = await Promise.all(
    Array.from({ length: 20 }, (_, i) => server.gql(REQUEST, { email: `nobody-${i}@example.com`, url: URL }, client)),
  )
  // when
  const known = await server.gql(REQUEST_WITH_MESSAGES, { email: customer.email, url: URL }, client)
  const unknown = await server.gql(REQUEST_WITH_MESSAGES, { email: 'nobody-else@example.com', url: URL }, client)
  // then
  for (const answer of used) assert.deepEqual(answer.body.data.requestPasswordReset.errors, [])
  assert.deepEqual(known.body, unknown.body)
  assert.deepEqual(known.body.data.requestPasswordReset.errors, [
    {
      field: null,
      code: 'TOO_MANY_REQUESTS',
      message: 'Too many requests from your network. Try again in 10 minutes.',
    },
  ])
  assert.equal(await outboxFor(customer.email), 0)
})

test('requestPasswordReset from another client IP is not affected by one that used up its requests', async () => {
  // given
  const customer = await makeCustomer(server.context)
  const flood = await Promise.all(
    Array.from({ length: 21 }, () =>
      server.gql(
        REQUEST,
        { email: 'nobody@example.com', url: URL },
        { headers: { 'x-forwarded-for': '198.51.100.41' } },
      ),
    ),
  )
  assert.equal(
    flood.filter(answer => answer.body.data.requestPasswordReset.errors[0]?.code === 'TOO_MANY_REQUESTS').length,
    1,
  )
  // when
  const res = await server.gql(
    REQUEST,
    { email: customer.email, url: URL },
    { headers: { 'x-forwarded-for': '198.51.100.42' } },
  )
  // then
  assert.deepEqual(res.body.data.requestPasswordReset.errors, [])
  assert.equal(await outboxFor(customer.email), 1)
})
