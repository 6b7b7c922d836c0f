// The lifecycle of ../shared/seeds/001 (Saleor's "customers and staff as one user"), black-box:
// a shopper registers and confirms, edits its profile, resets its password, is promoted with
// staffCreate (same id, addresses, events), is updated, and resets its password again as staff.
// Each step's webhooks and mails are exactly the ones the table names.
import '../helpers/env'
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, type TestServer } from '../helpers/server'
import { startMailbox, tokenFromMail, type Mailbox } from '../helpers/mailbox'
import { startReceiver, type Receiver } from '../helpers/webhookReceiver'
import { tokenFor } from '../helpers/actors'
import { makeStaff } from '../helpers/factories'
import { PERMISSIONS } from '../../services/identity/permissionCodes'

const SECRET = 'a webhook secret of some length'
const REDIRECT = 'http://localhost:3001'

let server: TestServer
let mailbox: Mailbox
let receiver: Receiver

before(async () => {
  mailbox = await startMailbox()
  receiver = await startReceiver(SECRET)
  // not production: webhook targets on loopback are allowed only outside production
  server = await startServer({
    env: { NODE_ENV: 'test', SMTP_URL: mailbox.url, OUTBOX_POLL_MS: '100', OUTBOX_BACKOFF_MS: '100' },
  })
})

after(async () => {
  await server?.stop()
  await mailbox?.stop()
  await receiver?.stop()
})

test("a shopper promoted to staff keeps its id, addresses and history, with the table's webhooks and mails at each step", async () => {
  // given: an app subscribed to every account event, and an admin
  const admin = await makeStaff(server.context, [...PERMISSIONS])
  const adminToken = await tokenFor(server.context, admin.id)
  const group = await server.context.prisma.permissionGroup.create({
    data: { name: 'Support', permissions: ['MANAGE_USERS'] },
  })
  const hook = await server.gql(
    'mutation($data: WebhookCreateInput!) { createWebhook(data: $data) { id } }',
    {
      data: {
        name: 'app',
        targetUrl: receiver.url,
        secret: SECRET,
        events: [
          'CUSTOMER_CREATED',
          'CUSTOMER_UPDATED',
          'CUSTOMER_METADATA_UPDATED',
          'ACCOUNT_CONFIRMATION_REQUESTED',
          'ACCOUNT_CONFIRMED',
          'ACCOUNT_SET_PASSWORD_REQUESTED',
          'STAFF_CREATED',
          'STAFF_UPDATED',
          'STAFF_SET_PASSWORD_REQUESTED',
        ],
      },
    },
    { token: adminToken },
  )
  assert.equal(hook.body.errors, undefined, JSON.stringify(hook.body.errors))
  const email = 'shopper@example.com'
  let password = 'a shopper passphrase long enough'
  const step = async (events: string[], run: () => Promise<void>) => {
    const from = receiver.received.length
    await run()
    const arrived = await receiver.waitFor(events, from)
    await new Promise(resolve => setTimeout(resolve, 400))
    assert.deepEqual(
      receiver.received
        .slice(from)
        .map(r => r.event)
        .sort(),
      [...events].sort(),
    )
    assert.ok(arrived.every(r => r.signatureValid))
  }

  // 1. accountRegister: CUSTOMER_CREATED and ACCOUNT_CONFIRMATION_REQUESTED, the confirmation mail
  await step(['CUSTOMER_CREATED', 'ACCOUNT_CONFIRMATION_REQUESTED'], async () => {
    const res = await server.gql(
      'mutation($i: AccountRegisterInput!) { accountRegister(input: $i) { errors { code } } }',
      { i: { email, password, firstName: 'Shop', redirectUrl: `${REDIRECT}/confirm` } },
    )
    assert.deepEqual(res.body.data.accountRegister.errors, [])
  })
  const confirmation = await mailbox.next(email, /confirm/i)

  // 2. confirmAccount: ACCOUNT_CONFIRMED, no mail
  await step(['ACCOUNT_CONFIRMED'], async () => {
    await server.gql(
      'mutation($e: String!, $t: String!) { confirmAccount(email: $e, token: $t) { errors { code } } }',
      { e: email, t: tokenFromMail(confirmation) },
    )
  })
  const login = await server.gql(
    'mutation($e: String!, $p: String!) { tokenCreate(email: $e, password: $p) { token user { id } } }',
    { e: email, p: password },
  )
  const shopperId = login.body.data.tokenCreate.user.id
  const shopperToken = login.body.data.tokenCreate.token

  // 3. accountUpdate with metadata: CUSTOMER_UPDATED and CUSTOMER_METADATA_UPDATED
  await step(['CUSTOMER_UPDATED', 'CUSTOMER_METADATA_UPDATED'], async () => {
    const res = await server.gql(
      'mutation($i: AccountInput!) { accountUpdate(input: $i) { errors { code } } }',
      {
        i: {
          lastName: 'Per',
          metadata: [{ key: 'tier', value: 'gold' }],
          defaultShippingAddress: {
            streetAddress1: 'ul. Długa 5',
            city: 'Warszawa',
            postalCode: '00-950',
            country: 'PL',
          },
        },
      },
      { token: shopperToken },
    )
    assert.deepEqual(res.body.data.accountUpdate.errors, [])
  })

  // 4. requestPasswordReset as a customer: ACCOUNT_SET_PASSWORD_REQUESTED, the customer reset mail
  await step(['ACCOUNT_SET_PASSWORD_REQUESTED'], async () => {
    await server.gql(
      'mutation($e: String!) { requestPasswordReset(email: $e, redirectUrl: "http://localhost:3001/reset") { errors { code } } }',
      { e: email },
    )
  })
  const customerReset = await mailbox.next(email)
  assert.equal(
    (await server.context.prisma.outboxMail.findFirst({ where: { to: email }, orderBy: { createdAt: 'desc' } }))!
      .template,
    'PASSWORD_RESET',
  )

  // 5. setPassword: no webhook, no mail
  password = 'a second shopper passphrase here'
  await step([], async () => {
    const res = await server.gql(
      'mutation($e: String!, $t: String!, $p: String!) { setPassword(email: $e, token: $t, password: $p) { errors { code } } }',
      { e: email, t: tokenFromMail(customerReset), p: password },
    )
    assert.deepEqual(res.body.data.setPassword.errors, [])
  })
  const historyBefore = (
    await server.context.prisma.accountEvent.findMany({ where: { userId: shopperId }, orderBy: { date: 'asc' } })
  ).map(e => e.id)

  // 6. staffCreate with the customer's email and a redirectUrl: the same user is promoted;
  //    STAFF_CREATED and STAFF_SET_PASSWORD_REQUESTED, never ACCOUNT_SET_PASSWORD_REQUESTED; the staff invite mail
  await step(['STAFF_CREATED', 'STAFF_SET_PASSWORD_REQUESTED'], async () => {
    const res = await server.gql(
      'mutation($i: StaffCreateInput!) { staffCreate(input: $i) { user { id isStaff userPermissions addresses { city } metadata } errors { code } } }',
      { i: { email, addGroups: [group.id], redirectUrl: `${REDIRECT}/staff` } },
      { token: adminToken },
    )
    assert.deepEqual(res.body.data.staffCreate.errors, [])
    assert.deepEqual(res.body.data.staffCreate.user, {
      id: shopperId,
      isStaff: true,
      userPermissions: ['MANAGE_USERS'],
      addresses: [{ city: 'WARSZAWA' }],
      metadata: { tier: 'gold' },
    })
  })
  const invite = await mailbox.next(email)
  assert.equal(
    (await server.context.prisma.outboxMail.findFirst({ where: { to: email }, orderBy: { createdAt: 'desc' } }))!
      .template,
    'STAFF_SET_PASSWORD',
  )
  const historyAfter = (
    await server.context.prisma.accountEvent.findMany({ where: { userId: shopperId }, orderBy: { date: 'asc' } })
  ).map(e => e.id)
  assert.deepEqual(historyAfter.slice(0, historyBefore.length), historyBefore)

  // 7. staffUpdate: STAFF_UPDATED, no mail
  await step(['STAFF_UPDATED'], async () => {
    const res = await server.gql(
      'mutation($id: ID!) { staffUpdate(id: $id, input: { firstName: "Staffer" }) { errors { code } } }',
      { id: shopperId },
      { token: adminToken },
    )
    assert.deepEqual(res.body.data.staffUpdate.errors, [])
  })

  // 8. requestPasswordReset as staff now: STAFF_SET_PASSWORD_REQUESTED, the staff reset mail
  await step(['STAFF_SET_PASSWORD_REQUESTED'], async () => {
    await server.gql(
      'mutation($e: String!) { requestPasswordReset(email: $e, redirectUrl: "http://localhost:3001/reset") { errors { code } } }',
      { e: email },
    )
  })
  const staffReset = await mailbox.next(email)
  assert.notEqual(tokenFromMail(staffReset), tokenFromMail(invite))

  // 9. setPassword: no webhook, no mail
  await step([], async () => {
    const res = await server.gql(
      'mutation($e: String!, $t: String!, $p: String!) { setPassword(email: $e, token: $t, password: $p) { errors { code } } }',
      { e: email, t: tokenFromMail(staffReset), p: 'the staff passphrase of this user' },
    )
    assert.deepEqual(res.body.data.setPassword.errors, [])
  })

  // nothing on the wire ever carried a secret
  const wire = receiver.received.map(r => r.body).join('\n')
  assert.doesNotMatch(wire, /\$argon2|jwtTokenKey|privateMetadata|password"|token"/)
  for (const mail of [confirmation, customerReset, invite, staffReset]) assert.ok(!wire.includes(tokenFromMail(mail)))
  const mails = mailbox.mails.filter(m => m.to === email).length
  assert.equal(mails, 4)
})
