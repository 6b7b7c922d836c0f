// Every one-time link a user is mailed goes through one function (services/users/oneTimeLinks.ts):
// whoever sends it (the customer, anyone who knows the email, staff from a mutation or the Admin UI),
// the link is one mail to the right address, a token bound to that address and to who asked, the
// link's account event, and the listeners' webhook with the link and the channel it names.
import '../../helpers/env'
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, type TestServer } from '../../helpers/server'
import { tokenFor } from '../../helpers/actors'
import { PASSWORD, makeChannel, makeCustomer, makeStaff, makeWebhook } from '../../helpers/factories'

const REDIRECT = 'http://localhost:3001/link'
const LINK_WEBHOOKS = [
  'ACCOUNT_CONFIRMATION_REQUESTED',
  'ACCOUNT_SET_PASSWORD_REQUESTED',
  'STAFF_SET_PASSWORD_REQUESTED',
  'ACCOUNT_CHANGE_EMAIL_REQUESTED',
  'ACCOUNT_DELETE_REQUESTED',
]

let server: TestServer
let staffToken: string
let staffId: string
let defaultChannel: string

before(async () => {
  server = await startServer()
  const staff = await makeStaff(server.context, ['MANAGE_USERS', 'MANAGE_STAFF'])
  staffId = staff.id
  staffToken = await tokenFor(server.context, staff.id)
  await makeWebhook(server.context, { targetUrl: 'https://hooks.example.com/in', events: LINK_WEBHOOKS })
  // a shop with a channel: a link sent without one names the default (the first active by slug)
  await makeChannel(server.context)
  const channel = await server.context.prisma.channel.findFirst({ where: { isActive: true }, orderBy: { slug: 'asc' } })
  defaultChannel = channel!.slug
})

after(async () => {
  await server?.stop()
})

type Sent = { to: string; template: string; purpose: string; source: string; event: string | null; webhook: string }

/** What one link left behind for `userId`: its mail, its token, its event and its webhook. */
async function linkSent(userId: string, expected: Sent): Promise<void> {
  const { prisma } = server.context
  const mails = await prisma.outboxMail.findMany({ where: { userId } })
  assert.deepEqual(
    mails.map(mail => [mail.to, mail.template]),
    [[expected.to, expected.template]],
  )
  const tokens = await prisma.oneTimeToken.findMany({ where: { userId, purpose: expected.purpose, usedAt: null } })
  assert.equal(tokens.length, 1, 'one live token')
  const payload = tokens[0]!.payload as Record<string, string>
  assert.equal(payload.sentTo, expected.to, 'the token knows the mailbox it went to')
  assert.equal(payload.source, expected.source, 'the token knows who asked for it')
  if (expected.event) {
    const events = await prisma.accountEvent.findMany({ where: { userId, type: expected.event } })
    assert.equal(events.length, 1, `one ${expected.event} event`)
  }
  const deliveries = await prisma.webhookDelivery.findMany({ where: { event: expected.webhook } })
  const mine = deliveries
    .map(delivery => JSON.parse(delivery.payload as string) as { data: Record<string, any> })
    .filter(body => body.data.user?.id === userId)
  assert.equal(mine.length, 1, `one ${expected.webhook} webhook`)
  assert.equal(mine[0]!.data.channel, defaultChannel, `${expected.webhook} names the channel the mail named`)
  assert.ok(typeof mine[0]!.data.redirectUrl === 'string' && mine[0]!.data.redirectUrl.length > 0)
}

async function ok(query: string, variables: Record<string, unknown>, token?: string) {
  const res = await server.gql(query, variables, token ? { token } : {})
  assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors))
  const payload = Object.values(res.body.data ?? {})[0] as { errors?: unknown[] } | null
  assert.deepEqual(payload?.errors ?? [], [], JSON.stringify(payload))
  return res.body.data
}

const email = (prefix: string) => `${prefix}-${Math.random().toString(16).slice(2, 10)}@example.com`

test('registration: the confirmation link, its token and ACCOUNT_CONFIRMATION_REQUESTED', async () => {
  const address = email('register')
  await ok('mutation($input: AccountRegisterInput!) { accountRegister(input: $input) { errors { field code } } }', {
    input: { email: address, password: PASSWORD, redirectUrl: REDIRECT },
  })
  const user = await server.context.prisma.user.findUniqueOrThrow({ where: { email: address } })
  await linkSent(user.id, {
    to: address,
    template: 'ACCOUNT_CONFIRMATION',
    purpose: 'ACCOUNT_CONFIRMATION',
    source: 'self',
    event: null,
    webhook: 'ACCOUNT_CONFIRMATION_REQUESTED',
  })
})

test('a confirmation staff resend is the same link, and tells the listeners as the first did', async () => {
  const customer = await makeCustomer(server.context, { isConfirmed: false })
  await ok('mutation($id: ID!) { resendConfirmationUser(where: { id: $id }) { id } }', { id: customer.id }, staffToken)
  await linkSent(customer.id, {
    to: customer.email,
    template: 'ACCOUNT_CONFIRMATION',
    purpose: 'ACCOUNT_CONFIRMATION',
    source: 'staff',
    event: 'ACCOUNT_CONFIRMATION_RESENT',
    webhook: 'ACCOUNT_CONFIRMATION_REQUESTED',
  })
})

test('a reset the customer asks for, and one staff send, differ only by who asked', async () => {
  const asked = await makeCustomer(server.context)
  await ok(
    'mutation($email: String!) { requestPasswordReset(email: $email, redirectUrl: "http://localhost:3001/reset") { errors { field code } } }',
    {
      email: asked.email,
    },
  )
  const sent = await makeCustomer(server.context)
  await ok('mutation($id: ID!) { sendPasswordResetUser(where: { id: $id }) { id } }', { id: sent.id }, staffToken)
  for (const [user, source] of [
    [asked, 'self'],
    [sent, 'staff'],
  ] as const)
    await linkSent(user.id, {
      to: user.email,
      template: 'PASSWORD_RESET',
      purpose: 'PASSWORD_RESET',
      source,
      event: 'PASSWORD_RESET_LINK_SENT',
      webhook: 'ACCOUNT_SET_PASSWORD_REQUESTED',
    })
})

test('a customer invited by staff gets the set-password link with the channel and the staff as its source', async () => {
  const address = email('invited')
  const data = await ok(
    'mutation($input: CustomerInput!) { customerCreate(input: $input) { user { id } errors { field code } } }',
    { input: { email: address, redirectUrl: REDIRECT } },
    staffToken,
  )
  await linkSent(data.customerCreate.user.id, {
    to: address,
    template: 'PASSWORD_RESET',
    purpose: 'PASSWORD_RESET',
    source: 'staff',
    event: 'PASSWORD_RESET_LINK_SENT',
    webhook: 'ACCOUNT_SET_PASSWORD_REQUESTED',
  })
})

test('a staff member invited gets the staff link, and its webhook names the channel as every other link does', async () => {
  const address = email('colleague')
  const data = await ok(
    'mutation($input: StaffCreateInput!) { staffCreate(input: $input) { user { id } errors { field code } } }',
    { input: { email: address, redirectUrl: REDIRECT } },
    staffToken,
  )
  await linkSent(data.staffCreate.user.id, {
    to: address,
    template: 'STAFF_SET_PASSWORD',
    purpose: 'PASSWORD_RESET',
    source: 'staff',
    event: 'PASSWORD_RESET_LINK_SENT',
    webhook: 'STAFF_SET_PASSWORD_REQUESTED',
  })
  const event = await server.context.prisma.accountEvent.findFirstOrThrow({
    where: { userId: data.staffCreate.user.id, type: 'PASSWORD_RESET_LINK_SENT' },
  })
  assert.equal(event.actorId, staffId, 'recorded as sent by the inviting staff')
})

test('an email change: the link goes to the new address, for it only', async () => {
  const customer = await makeCustomer(server.context)
  const newEmail = email('moved')
  await ok(
    'mutation($p: String!, $e: String!) { requestEmailChange(password: $p, newEmail: $e, redirectUrl: "http://localhost:3001/email") { errors { field code } } }',
    { p: PASSWORD, e: newEmail },
    await tokenFor(server.context, customer.id),
  )
  await linkSent(customer.id, {
    to: newEmail,
    template: 'EMAIL_CHANGE_CONFIRMATION',
    purpose: 'EMAIL_CHANGE',
    source: 'self',
    event: 'EMAIL_CHANGED_REQUEST',
    webhook: 'ACCOUNT_CHANGE_EMAIL_REQUESTED',
  })
})

test('a deletion link', async () => {
  const customer = await makeCustomer(server.context)
  await ok(
    'mutation { accountRequestDeletion(redirectUrl: "http://localhost:3001/delete") { errors { field code } } }',
    {},
    await tokenFor(server.context, customer.id),
  )
  await linkSent(customer.id, {
    to: customer.email,
    template: 'ACCOUNT_DELETION',
    purpose: 'ACCOUNT_DELETION',
    source: 'self',
    event: 'ACCOUNT_DELETION_REQUESTED',
    webhook: 'ACCOUNT_DELETE_REQUESTED',
  })
})
