// The account actions on a user's page (lists/userActions.ts), through their generated mutations:
// staff who manage the user may take them, each is recorded, and anyone else, or staff acting out
// of scope, is refused with nothing done.
import '../../helpers/env'
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, type TestServer } from '../../helpers/server'
import { makeChannel, makeCustomer, makeStaff } from '../../helpers/factories'
import { tokenFor } from '../../helpers/actors'
import { linkFromMail, startMailbox } from '../../helpers/mailbox'
import { TEST_PUBLIC_URL } from '../../helpers/env'
import { assertTokenRefused } from '../../helpers/refusals'

const SIGN_OUT = 'mutation($id: ID!) { signOutEverywhereUser(where: { id: $id }) { id } }'
const SEND_RESET = 'mutation($id: ID!) { sendPasswordResetUser(where: { id: $id }) { id } }'
const DEACTIVATE = 'mutation($id: ID!) { deactivateUser(where: { id: $id }) { id isActive } }'
const RESEND = 'mutation($id: ID!) { resendConfirmationUser(where: { id: $id }) { id } }'
const ME = '{ me { id } }'

let server: TestServer
let supportToken: string
let supportId: string

before(async () => {
  server = await startServer()
  const support = await makeStaff(server.context, ['MANAGE_USERS'])
  supportId = support.id
  supportToken = await tokenFor(server.context, support.id)
})

after(async () => {
  await server?.stop()
})

async function eventsOf(userId: string, type: string) {
  return server.context.prisma.accountEvent.count({ where: { userId, type } })
}

async function mailsTo(email: string, template: string) {
  return server.context.prisma.outboxMail.count({ where: { to: email, template } })
}

test("signOutEverywhereUser by support staff ends the customer's tokens and records it", async () => {
  // given
  const customer = await makeCustomer(server.context)
  const customerToken = await tokenFor(server.context, customer.id)
  assert.equal((await server.gql(ME, {}, { token: customerToken })).body.data.me.id, customer.id)
  // when
  const res = await server.gql(SIGN_OUT, { id: customer.id }, { token: supportToken })
  // then
  assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors))
  assert.equal(res.body.data.signOutEverywhereUser.id, customer.id)
  assertTokenRefused(await server.gql(ME, {}, { token: customerToken }), 'JWT_INVALID_TOKEN')
  assert.equal(await eventsOf(customer.id, 'SIGNED_OUT_EVERYWHERE'), 1)
})

test('sendPasswordResetUser by support staff queues a reset mail to the customer, recorded as sent by the staff', async () => {
  // given: a shop with a channel
  await makeChannel(server.context)
  const customer = await makeCustomer(server.context)
  // when
  const res = await server.gql(SEND_RESET, { id: customer.id }, { token: supportToken })
  // then
  assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors))
  assert.equal(await mailsTo(customer.email, 'PASSWORD_RESET'), 1)
  // named like a storefront's request without a channel: after the default channel
  const mail = await server.context.prisma.outboxMail.findFirstOrThrow({ where: { to: customer.email } })
  const channel = await server.context.prisma.channel.findFirst({ where: { isActive: true }, orderBy: { slug: 'asc' } })
  assert.ok(channel, 'a test database has its default channel')
  assert.equal((mail.params as { shopName?: string }).shopName, channel.name)
  const events = await server.context.prisma.accountEvent.findMany({
    where: { userId: customer.id, type: 'PASSWORD_RESET_LINK_SENT' },
  })
  assert.deepEqual(
    events.map(event => event.actorId),
    [supportId],
  )
})

test('a staff reset within a minute of the last staff reset is refused with TOO_MANY_REQUESTS, and no mail goes', async () => {
  // given
  const customer = await makeCustomer(server.context)
  const first = await server.gql(SEND_RESET, { id: customer.id }, { token: supportToken })
  assert.equal(first.body.errors, undefined, JSON.stringify(first.body.errors))
  // when
  const res = await server.gql(SEND_RESET, { id: customer.id }, { token: supportToken })
  // then
  assert.equal(res.body.data.sendPasswordResetUser, null)
  assert.equal(res.body.errors?.[0]?.extensions?.code, 'TOO_MANY_REQUESTS', JSON.stringify(res.body.errors))
  assert.match(res.body.errors[0].message, /less than a minute ago/)
  assert.equal(await mailsTo(customer.email, 'PASSWORD_RESET'), 1)
  assert.equal(await eventsOf(customer.id, 'PASSWORD_RESET_LINK_SENT'), 1)
})

test("the customer's own reset requests and staff's do not silence each other; the newest link is the one that works", async () => {
  // given: the customer asked for a link itself a moment ago
  const customer = await makeCustomer(server.context)
  const ask = () =>
    server.gql(
      'mutation($email: String!) { requestPasswordReset(email: $email, redirectUrl: "http://localhost:3000/reset") { errors { code } } }',
      { email: customer.email },
    )
  assert.deepEqual((await ask()).body.data.requestPasswordReset.errors, [])
  // when: staff send one, and then the customer asks again
  const sent = await server.gql(SEND_RESET, { id: customer.id }, { token: supportToken })
  assert.equal(sent.body.errors, undefined, JSON.stringify(sent.body.errors))
  assert.deepEqual((await ask()).body.data.requestPasswordReset.errors, [])
  // then: staff's mail went despite the customer's quiet period; the customer's second request is
  // within its own (a staff send does not end it), so two mails, and staff's link is the live one
  assert.equal(await mailsTo(customer.email, 'PASSWORD_RESET'), 2)
  const live = await server.context.prisma.oneTimeToken.findMany({
    where: { userId: customer.id, purpose: 'PASSWORD_RESET', usedAt: null },
  })
  assert.deepEqual(
    live.map(token => (token.payload as { source?: string }).source),
    ['staff'],
  )
})

test('two concurrent password resets from the Admin UI send one mail', async () => {
  // given
  const customer = await makeCustomer(server.context)
  // when: a double click, or two agents at once
  const answers = await Promise.all(
    [1, 2, 3].map(() => server.gql(SEND_RESET, { id: customer.id }, { token: supportToken })),
  )
  // then
  assert.equal(answers.filter(res => res.body.data?.sendPasswordResetUser?.id === customer.id).length, 1)
  assert.equal(await mailsTo(customer.email, 'PASSWORD_RESET'), 1)
  assert.equal(await eventsOf(customer.id, 'PASSWORD_RESET_LINK_SENT'), 1)
})

test('resend confirmation to a staff member is refused: staff prove their email by setting a password', async () => {
  // given
  const manager = await makeStaff(server.context, ['MANAGE_STAFF'])
  const staff = await makeStaff(server.context, [], { isConfirmed: false })
  // when
  const res = await server.gql(RESEND, { id: staff.id }, { token: await tokenFor(server.context, manager.id) })
  // then
  assert.equal(res.body.data.resendConfirmationUser, null)
  assert.equal(res.body.errors?.[0]?.extensions?.code, 'INVALID', JSON.stringify(res.body.errors))
  assert.equal(await mailsTo(staff.email, 'ACCOUNT_CONFIRMATION'), 0)
})

test('two concurrent confirmation resends send one mail, and a resend within a minute is refused', async () => {
  // given: an unconfirmed customer registered over a minute ago
  const customer = await makeCustomer(server.context, { isConfirmed: false })
  // when
  const answers = await Promise.all([1, 2].map(() => server.gql(RESEND, { id: customer.id }, { token: supportToken })))
  // then
  assert.equal(answers.filter(res => res.body.data?.resendConfirmationUser?.id === customer.id).length, 1)
  const refused = answers.find(res => !res.body.data?.resendConfirmationUser)!
  assert.equal(refused.body.errors?.[0]?.extensions?.code, 'TOO_MANY_REQUESTS', JSON.stringify(refused.body.errors))
  assert.equal(await mailsTo(customer.email, 'ACCOUNT_CONFIRMATION'), 1)
  assert.equal(await eventsOf(customer.id, 'ACCOUNT_CONFIRMATION_RESENT'), 1)
})

test('a customer cannot take an account action, even on itself, and nothing changes', async () => {
  // given
  const customer = await makeCustomer(server.context)
  const customerToken = await tokenFor(server.context, customer.id)
  // when
  const res = await server.gql(DEACTIVATE, { id: customer.id }, { token: customerToken })
  // then
  assert.equal(res.body.data?.deactivateUser ?? null, null)
  assert.deepEqual(
    res.body.errors?.map((e: any) => e.path?.[0]),
    ['deactivateUser'],
  )
  assert.equal((await server.context.prisma.user.findUniqueOrThrow({ where: { id: customer.id } })).isActive, true)
})

test('support staff cannot reach a staff member: the action finds nobody and the tokens live on', async () => {
  // given
  const staff = await makeStaff(server.context, [])
  const staffToken = await tokenFor(server.context, staff.id)
  // when
  const res = await server.gql(SIGN_OUT, { id: staff.id }, { token: supportToken })
  // then
  // (staff it may not manage are not even readable to MANAGE_USERS alone)
  assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors))
  assert.equal(res.body.data.signOutEverywhereUser, null)
  assert.equal((await server.gql(ME, {}, { token: staffToken })).body.data.me.id, staff.id)
  assert.equal(await eventsOf(staff.id, 'SIGNED_OUT_EVERYWHERE'), 0)
})

test("links sent from the Admin UI lead a customer to STOREFRONT_URL's pages and staff to the Admin UI's", async () => {
  // given: a server with a storefront set, and its mails caught
  const mailbox = await startMailbox()
  const shop = await startServer({
    env: {
      SMTP_URL: mailbox.url,
      OUTBOX_POLL_MS: '100',
      ALLOWED_CLIENT_HOSTS: 'shop.example,localhost',
      STOREFRONT_URL: 'https://shop.example/en/',
    },
  })
  try {
    const manager = await makeStaff(shop.context, ['MANAGE_USERS', 'MANAGE_STAFF'])
    const token = await tokenFor(shop.context, manager.id)
    const customer = await makeCustomer(shop.context)
    const staff = await makeStaff(shop.context, [])
    // when
    for (const user of [customer, staff]) {
      const res = await shop.gql(SEND_RESET, { id: user.id }, { token })
      assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors))
    }
    // then
    const toCustomer = linkFromMail(await mailbox.next(customer.email))
    assert.equal(`${toCustomer.origin}${toCustomer.pathname}`, 'https://shop.example/en/reset-password')
    const toStaff = linkFromMail(await mailbox.next(staff.email))
    assert.equal(`${toStaff.origin}${toStaff.pathname}`, `${TEST_PUBLIC_URL}/reset-password`)
  } finally {
    await shop.stop()
    await mailbox.stop()
  }
})
