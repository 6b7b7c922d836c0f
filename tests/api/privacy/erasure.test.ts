// Erasure: after accountDelete (through its emailed link) or customerDelete, no row of any table
// holds the deleted person's email, names, phone or street, on SQLite and on PostgreSQL; every
// table and column is read from Prisma's data model, none named here. The deletion's webhook
// carries the user's id alone.
import '../../helpers/env'
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes, randomInt } from 'node:crypto'
import { TEST_DATABASES, databaseSkipReason, startServer, type TestServer } from '../../helpers/server'
import { startMailbox, tokenFromMail, type Mailbox } from '../../helpers/mailbox'
import { startReceiver, type Receiver } from '../../helpers/webhookReceiver'
import { tokenFor } from '../../helpers/actors'
import { PASSWORD, makeAddress, makeCustomer, makeStaff, makeWebhook } from '../../helpers/factories'
import { dataModelOf } from '../../helpers/dataModel'
import { throttleKeys } from '../../../services/identity/throttle'

const CUSTOMER_UPDATE =
  'mutation($id: ID!, $input: CustomerInput!) { customerUpdate(id: $id, input: $input) { errors { field code } } }'
const CUSTOMER_DELETE = 'mutation($id: ID!) { customerDelete(id: $id) { errors { field code } } }'
const REQUEST_EMAIL =
  'mutation($p: String!, $e: String!) { requestEmailChange(password: $p, newEmail: $e, redirectUrl: "http://localhost:3001/email") { errors { field code } } }'
const REQUEST_DELETION =
  'mutation { accountRequestDeletion(redirectUrl: "http://localhost:3001/delete") { errors { field code } } }'
const TOKEN_CREATE =
  'mutation($email: String!, $password: String!) { tokenCreate(email: $email, password: $password) { errors { code } } }'
const ACCOUNT_DELETE = 'mutation($token: String!) { accountDelete(token: $token) { errors { field code } } }'
const WEBHOOK_SECRET = 'whsec_erasure-test-secret'

const word = (prefix: string) => `${prefix}${randomBytes(5).toString('hex')}`

/** Every row of every table (Prisma's models and the join tables), as text, with the table it came from. */
async function everyRow(server: TestServer): Promise<{ table: string; text: string }[]> {
  const prisma = server.context.prisma as unknown as { $queryRawUnsafe: (sql: string) => Promise<object[]> }
  const tables = Object.entries(dataModelOf(server.context.prisma)).map(([name, model]) => model.dbName ?? name)
  const joins =
    server.database === 'postgresql'
      ? await prisma.$queryRawUnsafe(
          `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_name LIKE '\\_%'`,
        )
      : await prisma.$queryRawUnsafe(
          `SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE '\\_%' ESCAPE '\\'`,
        )
  const rows: { table: string; text: string }[] = []
  for (const table of [...tables, ...joins.map(j => (j as { name: string }).name)]) {
    for (const row of await prisma.$queryRawUnsafe(`SELECT * FROM "${table}"`))
      rows.push({
        table,
        text: JSON.stringify(row, (_key, value) => (typeof value === 'bigint' ? String(value) : value)),
      })
  }
  return rows
}

async function assertNoTrace(server: TestServer, values: string[]): Promise<void> {
  const rows = await everyRow(server)
  assert.ok(
    rows.some(r => r.table === 'AccountEvent'),
    'the scan reads the tables',
  )
  for (const value of values) {
    const found = rows.filter(r => r.text.toLowerCase().includes(value.toLowerCase()))
    assert.deepEqual(
      found.map(r => `${r.table}: ${r.text}`),
      [],
      `no row holds ${value}`,
    )
  }
}

for (const database of TEST_DATABASES) {
  describe(`on ${database}`, { skip: databaseSkipReason(database) }, () => {
    let server: TestServer
    let mailbox: Mailbox
    let receiver: Receiver

    before(async () => {
      mailbox = await startMailbox()
      receiver = await startReceiver(WEBHOOK_SECRET)
      server = await startServer({
        database,
        env: { NODE_ENV: 'test', SMTP_URL: mailbox.url, OUTBOX_POLL_MS: '100', OUTBOX_BACKOFF_MS: '200' },
      })
      await makeWebhook(server.context, {
        targetUrl: receiver.url,
        secret: WEBHOOK_SECRET,
        events: [
          'CUSTOMER_UPDATED',
          'CUSTOMER_DELETED',
          'ACCOUNT_CHANGE_EMAIL_REQUESTED',
          'ACCOUNT_DELETE_REQUESTED',
          'ACCOUNT_DELETED',
        ],
      })
    })
    after(async () => {
      await server?.stop()
      await receiver?.stop()
      await mailbox?.stop()
    })

    // until every mail of the user is marked sent (the mailbox may see a mail just before its row says so)
    async function sent(userId: string): Promise<void> {
      const where = { userId, status: { not: 'sent' } }
      for (let i = 0; i < 200 && (await server.context.prisma.outboxMail.count({ where })) > 0; i++)
        await new Promise(resolve => setTimeout(resolve, 50))
      assert.equal(await server.context.prisma.outboxMail.count({ where }), 0, 'every mail was sent')
    }

    /** A customer known by name, phone and street, changed by staff (events, a webhook delivery). */
    async function person() {
      const customer = await makeCustomer(server.context, { phone: `+1415555${randomInt(1000, 9999)}` })
      const street = `${randomInt(100, 999)} ${word('Lovelace')} Street`
      await makeAddress(server.context, customer.id, { streetAddress1: street, firstName: word('Ada') })
      const manager = await makeStaff(server.context, ['MANAGE_USERS'])
      const managerToken = await tokenFor(server.context, manager.id)
      const names = { firstName: word('Augusta'), lastName: word('King') }
      const from = receiver.received.length
      const updated = await server.gql(CUSTOMER_UPDATE, { id: customer.id, input: names }, { token: managerToken })
      assert.deepEqual(updated.body.data.customerUpdate.errors, [])
      const [delivered] = await receiver.waitFor(['CUSTOMER_UPDATED'], from)
      assert.match(delivered!.body, new RegExp(names.firstName), 'the delivery before the deletion names the person')
      const row = await server.context.prisma.user.findUniqueOrThrow({ where: { id: customer.id } })
      const traces = [row.email, names.firstName, names.lastName, row.phone, street]
      return { customer, managerToken, traces }
    }

    test('accountDelete through its emailed link leaves no row holding the person, and its webhook the id alone', async () => {
      // given a customer who signed in, asked for a new email, got mails and was changed by staff
      const { customer, traces } = await person()
      const token = await tokenFor(server.context, customer.id)
      const newEmail = `${word('new')}@example.com`
      const asked = await server.gql(REQUEST_EMAIL, { p: PASSWORD, e: newEmail }, { token })
      assert.deepEqual(asked.body.data.requestEmailChange.errors, [])
      await mailbox.next(newEmail)
      const requested = await server.gql(REQUEST_DELETION, {}, { token })
      assert.deepEqual(requested.body.data.accountRequestDeletion.errors, [])
      const deletionMail = await mailbox.next(customer.email, /delet/i)
      await sent(customer.id)
      // when
      const from = receiver.received.length
      const deleted = await server.gql(ACCOUNT_DELETE, { token: tokenFromMail(deletionMail) }, { token })
      // then
      assert.deepEqual(deleted.body.data.accountDelete.errors, [])
      const [webhook] = (await receiver.waitFor(['ACCOUNT_DELETED'], from)).filter(r => r.event === 'ACCOUNT_DELETED')
      assert.deepEqual(webhook!.json.data, { user: { id: customer.id } })
      await assertNoTrace(server, [...traces, newEmail])
      const events = await server.context.prisma.accountEvent.findMany({
        where: { type: 'ACCOUNT_DELETED', parameters: { equals: { user_id: customer.id } } },
      })
      assert.equal(events.length, 1, 'the deletion is on the record, by id')
      const mails = await server.context.prisma.outboxMail.findMany({ where: { template: 'ACCOUNT_DELETION' } })
      assert.ok(
        mails.length > 0 && mails.every(m => m.to === '' && m.status === 'sent'),
        'mails keep template and status',
      )
    })

    test('customerDelete leaves no row holding the person, and CUSTOMER_DELETED carries the id alone', async () => {
      // given
      const { customer, managerToken, traces } = await person()
      await server.context.prisma.outboxMail.create({
        data: {
          userId: customer.id,
          to: customer.email,
          subject: 'Hello',
          template: 'PASSWORD_CHANGED',
          params: { email: customer.email, firstName: traces[1] },
          status: 'sent',
          lastError: `550 <${customer.email}> mailbox full`,
        },
      })
      // and a failed sign-in, counted under a hash of the email
      await server.gql(TOKEN_CREATE, { email: customer.email, password: 'not the password' })
      const account = throttleKeys({ email: customer.email, ip: '127.0.0.1' }).account
      const counters = { where: { key: { startsWith: account } } }
      assert.ok((await server.context.prisma.loginThrottle.count(counters)) > 0)
      // when
      const from = receiver.received.length
      const deleted = await server.gql(CUSTOMER_DELETE, { id: customer.id }, { token: managerToken })
      // then
      assert.deepEqual(deleted.body.data.customerDelete.errors, [])
      const [webhook] = (await receiver.waitFor(['CUSTOMER_DELETED'], from)).filter(r => r.event === 'CUSTOMER_DELETED')
      assert.deepEqual(webhook!.json.data, { user: { id: customer.id } })
      await assertNoTrace(server, traces)
      assert.equal(await server.context.prisma.loginThrottle.count(counters), 0, 'its sign-in counters went too')
      const updates = await server.context.prisma.webhookDelivery.findMany({
        where: { event: 'CUSTOMER_UPDATED', payload: { contains: customer.id } },
      })
      assert.ok(updates.length > 0, 'the earlier delivery stays, by id')
      assert.deepEqual(JSON.parse(updates[0]!.payload).data.user, { id: customer.id })
    })

    test('a refused deletion erases nothing', async () => {
      // given a customer and, in the same bulk deletion, a staff id that refuses the whole of it
      const { customer, managerToken, traces } = await person()
      const staff = await makeStaff(server.context, [])
      // when
      const res = await server.gql(
        'mutation($ids: [ID!]!) { customerBulkDelete(ids: $ids) { errors { field code } } }',
        { ids: [customer.id, staff.id] },
        { token: managerToken },
      )
      // then
      assert.notDeepEqual(res.body.data.customerBulkDelete.errors, [])
      const events = await server.context.prisma.accountEvent.findMany({ where: { userId: customer.id } })
      assert.ok(JSON.stringify(events).includes(traces[1]!), 'its events still name it')
      const updates = await server.context.prisma.webhookDelivery.findMany({
        where: { event: 'CUSTOMER_UPDATED', payload: { contains: customer.id } },
      })
      assert.ok(
        updates.some(u => u.payload.includes(traces[0]!)),
        'its deliveries still name it',
      )
    })
  })
}
