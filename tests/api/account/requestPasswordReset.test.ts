// requestPasswordReset: the same answer for unknown emails, the 15-minute quiet period, and the
// allowed redirect hosts.
import '../../helpers/env'
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, type TestServer } from '../../helpers/server'
import { startMailbox, tokenFromMail, type Mailbox } from '../../helpers/mailbox'
import { makeCustomer, makeStaff } from '../../helpers/factories'

const REQUEST = `mutation($email: String!, $url: String!) { requestPasswordReset(email: $email, redirectUrl: $url) { errors { field code } } }`
const SET_PASSWORD = `mutation($email: String!, $token: String!) { setPassword(email: $email, token: $token, password: "a fresh and rather long passphrase") { errors { code } } }`
const URL = 'http://localhost:3001/reset'

let server: TestServer
let mailbox: Mailbox

before(async () => {
  mailbox = await startMailbox()
  server = await startServer({ env: { SMTP_URL: mailbox.url, OUTBOX_POLL_MS: '100' } })
})
after(async () => { await server?.stop(); await mailbox?.stop() })

async function outboxFor (email: string) {
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
  assert.deepEqual((await server.gql(SET_PASSWORD, { email: customer.email, token: tokenFromMail(first) })).body.data.setPassword.errors, [])
  await server.gql(REQUEST, { email: customer.email, url: URL })
  assert.equal(await outboxFor(customer.email), 2)
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
