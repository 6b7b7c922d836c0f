// Attacks on the data export and erasure (API.md §10): an export that carries a secret column's
// value, another user's export through a permission that should not reach it, and a deletion, by
// every path (the generated deleteUser and deleteUsers among them), that leaves the person
// somewhere: a table, a column, a webhook payload, or the server's own log. Each test asserts
// the SAFE behaviour; "HELD" marks what held, "FINDING:" what did not.
import '../helpers/env'
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes, randomInt } from 'node:crypto'
import { startServer, type TestServer } from '../helpers/server'
import { startMailbox, type Mailbox } from '../helpers/mailbox'
import { startReceiver, type Receiver } from '../helpers/webhookReceiver'
import { tokenFor } from '../helpers/actors'
import { PASSWORD, makeAddress, makeCustomer, makeStaff, makeWebhook } from '../helpers/factories'
import { dataModelOf } from '../helpers/dataModel'

const ACCOUNT_EXPORT = 'mutation { accountDataExport { data errors { field code } } }'
const CUSTOMER_EXPORT = 'mutation($id: ID!) { customerDataExport(id: $id) { data errors { field code } } }'
const WEBHOOK_SECRET = 'whsec_attack-privacy-secret'

let server: TestServer
let mailbox: Mailbox
let receiver: Receiver

before(async () => {
  mailbox = await startMailbox()
  receiver = await startReceiver(WEBHOOK_SECRET)
  server = await startServer({
    env: { NODE_ENV: 'test', SMTP_URL: mailbox.url, OUTBOX_POLL_MS: '100', OUTBOX_BACKOFF_MS: '200' },
  })
  await makeWebhook(server.context, {
    targetUrl: receiver.url,
    secret: WEBHOOK_SECRET,
    events: ['CUSTOMER_UPDATED', 'CUSTOMER_DELETED', 'CUSTOMER_METADATA_UPDATED'],
  })
})
after(async () => {
  await server?.stop()
  await receiver?.stop()
  await mailbox?.stop()
})

const word = (prefix: string) => `${prefix}${randomBytes(5).toString('hex')}`
const prisma = () => server.context.prisma as unknown as Record<string, any>

/** Every row of every table, as text (as tests/api/privacy/erasure.test.ts reads them). */
async function everyRow(): Promise<{ table: string; text: string }[]> {
  const raw = server.context.prisma as unknown as { $queryRawUnsafe: (sql: string) => Promise<object[]> }
  const tables = Object.entries(dataModelOf(server.context.prisma)).map(([name, model]) => model.dbName ?? name)
  const joins =
    server.database === 'postgresql'
      ? await raw.$queryRawUnsafe(
          `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_name LIKE '\\_%'`,
        )
      : await raw.$queryRawUnsafe(
          `SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE '\\_%' ESCAPE '\\'`,
        )
  const rows: { table: string; text: string }[] = []
  for (const table of [...tables, ...joins.map(j => (j as { name: string }).name)])
    for (const row of await raw.$queryRawUnsafe(`SELECT * FROM "${table}"`))
      rows.push({ table, text: JSON.stringify(row, (_k, v) => (typeof v === 'bigint' ? String(v) : v)) })
  return rows
}

async function traces(values: string[]): Promise<string[]> {
  const rows = await everyRow()
  return values.flatMap(value =>
    rows
      .filter(r => r.text.toLowerCase().includes(value.toLowerCase()))
      .map(r => `${value} in ${r.table}: ${r.text.slice(0, 300)}`),
  )
}

async function allSent(): Promise<void> {
  const where = { status: { notIn: ['sent', 'failed', 'dead'] } }
  for (let i = 0; i < 200 && (await server.context.prisma.outboxMail.count({ where })) > 0; i++)
    await new Promise(resolve => setTimeout(resolve, 50))
}

/** A customer known everywhere it can be: names, phone, address, note, metadata, a pending new email, its browser, mails. */
async function knownPerson() {
  const customer = await makeCustomer(server.context, { phone: `+1415555${randomInt(1000, 9999)}` })
  const street = `${randomInt(100, 999)} ${word('Lovelace')} Street`
  const city = word('Cityville')
  const postalCode = `62701-${randomInt(1000, 9999)}`
  await makeAddress(server.context, customer.id, { streetAddress1: street, city, postalCode, firstName: word('Ada') })
  const manager = await makeStaff(server.context, ['MANAGE_USERS'])
  const managerToken = await tokenFor(server.context, manager.id)
  const names = { firstName: word('Augusta'), lastName: word('King') }
  const note = word('Called about her allergy ')
  const metaValue = word('loyalty-')
  const updated = await server.gql(
    'mutation($id: ID!, $input: CustomerInput!) { customerUpdate(id: $id, input: $input) { errors { field code } } }',
    { id: customer.id, input: { ...names, note, metadata: [{ key: 'club', value: metaValue }] } },
    { token: managerToken },
  )
  assert.deepEqual(updated.body.data?.customerUpdate?.errors, [], JSON.stringify(updated.body))
  // its browser, through a real sign-in
  const userAgent = word('Mozilla/5.0 AttackBrowser-')
  const signedIn = await server.gql(
    'mutation($e: String!, $p: String!) { tokenCreate(email: $e, password: $p) { token errors { code } } }',
    { e: customer.email, p: PASSWORD },
    { headers: { 'user-agent': userAgent } },
  )
  const token = signedIn.body.data?.tokenCreate?.token ?? (await tokenFor(server.context, customer.id))
  // a pending new email
  const newEmail = `${word('pending')}@example.com`
  const asked = await server.gql(
    'mutation($p: String!, $e: String!) { requestEmailChange(password: $p, newEmail: $e, redirectUrl: "http://localhost:3001/email") { errors { field code } } }',
    { p: PASSWORD, e: newEmail },
    { token },
  )
  assert.deepEqual(asked.body.data?.requestEmailChange?.errors, [], JSON.stringify(asked.body))
  await mailbox.next(newEmail)
  await allSent()
  const row = await server.context.prisma.user.findUniqueOrThrow({ where: { id: customer.id } })
  return {
    customer,
    manager,
    managerToken,
    token,
    values: [
      row.email,
      names.firstName,
      names.lastName,
      row.phone!,
      street,
      city,
      postalCode,
      note.split(' ').pop()!,
      metaValue,
      newEmail,
      userAgent,
    ],
  }
}

// ---- erasure ----

for (const path of ['customerDelete', 'deleteUser (generated)', 'deleteUsers (generated, bulk)'] as const) {
  test(`after ${path}, no row holds the person (email, names, phone, street, city, postal code, note, metadata, pending email, user agent)`, async () => {
    // given
    const { customer, managerToken, values } = await knownPerson()
    const from = receiver.received.length
    // when
    const query =
      path === 'customerDelete'
        ? 'mutation($id: ID!) { customerDelete(id: $id) { errors { code } } }'
        : path.startsWith('deleteUsers')
          ? 'mutation($id: ID!) { deleteUsers(where: [{ id: $id }]) { id } }'
          : 'mutation($id: ID!) { deleteUser(where: { id: $id }) { id } }'
    const res = await server.gql(query, { id: customer.id }, { token: managerToken })
    assert.equal(await server.context.prisma.user.count({ where: { id: customer.id } }), 0, JSON.stringify(res.body))
    // then
    const [webhook] = (await receiver.waitFor(['CUSTOMER_DELETED'], from)).filter(r => r.event === 'CUSTOMER_DELETED')
    assert.deepEqual(webhook!.json.data, { user: { id: customer.id } })
    await allSent()
    assert.deepEqual(await traces(values), [])
  })
}

// FINDING expected by the erasure builder's own note: the outbox logs recipients. A deletion
// cannot reach a log line already written, so the safe behaviour is that no line ever names one.
test('after a deletion, the server log holds no line naming the deleted person', async () => {
  // given
  const { customer, managerToken, values } = await knownPerson()
  // when
  await server.gql(
    'mutation($id: ID!) { customerDelete(id: $id) { errors { code } } }',
    { id: customer.id },
    { token: managerToken },
  )
  await allSent()
  // then
  const log = server.output()
  const found = values.filter(v => log.toLowerCase().includes(v.toLowerCase()))
  const lines = log.split('\n').filter(line => found.some(v => line.toLowerCase().includes(v.toLowerCase())))
  assert.deepEqual(lines.slice(0, 5), [], `the log names the person: ${found.join(', ')}`)
})

// HELD expected: a deletion while the person's mail waits (or is being sent) leaves no trace once the outbox settles.
test("a deletion racing the person's mail leaves no trace and sends nothing after", async () => {
  // given a mail just queued
  const customer = await makeCustomer(server.context)
  const manager = await makeStaff(server.context, ['MANAGE_USERS'])
  const managerToken = await tokenFor(server.context, manager.id)
  await server.gql(
    'mutation($e: String!) { requestPasswordReset(email: $e, redirectUrl: "http://localhost:3001/reset") { errors { code } } }',
    { e: customer.email },
  )
  // when deleted at once
  const res = await server.gql(
    'mutation($id: ID!) { customerDelete(id: $id) { errors { code } } }',
    { id: customer.id },
    { token: managerToken },
  )
  assert.deepEqual(res.body.data?.customerDelete?.errors, [], JSON.stringify(res.body))
  await new Promise(resolve => setTimeout(resolve, 1500))
  await allSent()
  // then
  assert.deepEqual(await traces([customer.email]), [])
})

// ---- export ----

test('no secret column value of the user appears in either export', async () => {
  // given a customer with every secret it can hold
  const { customer } = await knownPerson()
  const token = await tokenFor(server.context, customer.id)
  await server.gql('mutation { regenerateCustomerToken { success token } }', {}, { token })
  await server.gql(
    'mutation { accountRequestDeletion(redirectUrl: "http://localhost:3001/delete") { errors { code } } }',
    {},
    { token },
  )
  await server.context.prisma.user.update({
    where: { id: customer.id },
    data: { totpSecret: word('sealedtotp'), totpEnabledAt: new Date() },
  })
  await server.context.prisma.recoveryCode.create({ data: { userId: customer.id, codeHash: word('recoveryhash') } })
  await server.context.prisma.passkeyCredential.create({
    data: { userId: customer.id, credentialId: word('credid'), publicKey: word('pubkey'), name: 'Phone' },
  })
  const manager = await makeStaff(server.context, ['MANAGE_USERS'])
  const exports = [
    JSON.stringify((await server.gql(ACCOUNT_EXPORT, {}, { token })).body),
    JSON.stringify(
      (await server.gql(CUSTOMER_EXPORT, { id: customer.id }, { token: await tokenFor(server.context, manager.id) }))
        .body,
    ),
  ]
  assert.ok(
    exports.every(e => e.includes(customer.id)),
    exports.join('\n').slice(0, 500),
  )
  // when every column whose name says secret, of every row that names the user, is read
  const secretName = /hash|secret|key|token|password|publicKey|codeHash|nonce|challenge|sealed|link/i
  const model = dataModelOf(server.context.prisma)
  const secrets: string[] = []
  for (const [name, { fields }] of Object.entries(model)) {
    const delegate = prisma()[name[0]!.toLowerCase() + name.slice(1)]
    const byUser = fields.find(f => f.name === 'userId')
      ? { userId: customer.id }
      : name === 'User'
        ? { id: customer.id }
        : null
    if (!delegate || !byUser) continue
    for (const row of await delegate.findMany({ where: byUser }))
      for (const f of fields)
        if (
          f.kind === 'scalar' &&
          secretName.test(f.name) &&
          typeof row[f.name] === 'string' &&
          row[f.name].length >= 8
        )
          secrets.push(`${name}.${f.name}=${row[f.name]}`)
  }
  assert.ok(
    secrets.some(s => s.startsWith('User.password=')),
    secrets.join('\n'),
  )
  // then
  for (const text of exports)
    assert.deepEqual(
      secrets.filter(s => text.includes(s.slice(s.indexOf('=') + 1))),
      [],
      'a secret in the export',
    )
})

test("customerDataExport refuses a staff member's data, even to a superuser, and refuses IMPERSONATE_USER alone", async () => {
  const staff = await makeStaff(server.context, ['MANAGE_ORDERS'])
  const customer = await makeCustomer(server.context)
  const manager = await makeStaff(server.context, ['MANAGE_USERS'])
  const superuser = await makeStaff(server.context, [], { isSuperuser: true })
  const support = await makeStaff(server.context, ['IMPERSONATE_USER'])
  for (const [who, id, caller] of [
    ['manager on staff', staff.id, manager.id],
    ['superuser on staff', staff.id, superuser.id],
    ['IMPERSONATE_USER on a customer', customer.id, support.id],
  ] as const) {
    const res = await server.gql(CUSTOMER_EXPORT, { id }, { token: await tokenFor(server.context, caller) })
    assert.equal(
      res.body.data?.customerDataExport?.data ?? null,
      null,
      `${who}: ${JSON.stringify(res.body).slice(0, 300)}`,
    )
  }
})

test('the export of an account with 1000 events answers, and says how it is bounded', async () => {
  const customer = await makeCustomer(server.context)
  await server.context.prisma.accountEvent.createMany({
    data: Array.from({ length: 1000 }, (_, i) => ({
      userId: customer.id,
      type: 'NOTE_ADDED',
      parameters: { message: `n${i}` },
    })),
  })
  const res = await server.gql(ACCOUNT_EXPORT, {}, { token: await tokenFor(server.context, customer.id) })
  assert.deepEqual(res.body.data?.accountDataExport?.errors, [], JSON.stringify(res.body).slice(0, 300))
  const data = JSON.parse(res.body.data.accountDataExport.data)
  const events = data.events ?? data.accountEvents ?? data.history
  assert.ok(Array.isArray(events) && events.length >= 1000, `every event is in the export (${events?.length})`)
})

// HELD expected: a mail whose params hold a link (a one-time token) shows date, template and subject
// only in the export: no link, no params.
test('the export of a user with a mail holding a link shows no link', async () => {
  const customer = await makeCustomer(server.context)
  const secret = word('linktoken')
  await server.context.prisma.outboxMail.create({
    data: {
      userId: customer.id,
      to: customer.email,
      subject: 'Reset your password',
      template: 'PASSWORD_RESET',
      params: { link: `http://localhost:3001/reset?token=${secret}`, token: secret },
      status: 'sent',
    },
  })
  const manager = await makeStaff(server.context, ['MANAGE_USERS'])
  for (const res of [
    await server.gql(ACCOUNT_EXPORT, {}, { token: await tokenFor(server.context, customer.id) }),
    await server.gql(CUSTOMER_EXPORT, { id: customer.id }, { token: await tokenFor(server.context, manager.id) }),
  ]) {
    const text = JSON.stringify(res.body)
    assert.ok(text.includes('PASSWORD_RESET'), text.slice(0, 400))
    assert.ok(!text.includes(secret), 'the link is not in the export')
  }
})

// HELD expected: a bulk deletion in which one id is refused (a staff member, to MANAGE_USERS only)
// leaves the refused user whole: no erasure began on it.
test('deleteUsers with a refused staff id leaves that staff member unerased', async () => {
  const { managerToken } = await knownPerson()
  const staff = await makeStaff(server.context, ['MANAGE_ORDERS'], { firstName: word('Stella') })
  await server.context.prisma.accountEvent.create({
    data: { userId: staff.id, type: 'NOTE_ADDED', parameters: { message: `about ${staff.email}` } },
  })
  const before = await traces([staff.email, staff.firstName])
  const customer = await makeCustomer(server.context)
  const res = await server.gql(
    'mutation($ids: [UserWhereUniqueInput!]!) { deleteUsers(where: $ids) { id } }',
    { ids: [{ id: customer.id }, { id: staff.id }] },
    { token: managerToken },
  )
  assert.equal(await server.context.prisma.user.count({ where: { id: staff.id } }), 1, JSON.stringify(res.body))
  assert.deepEqual(await traces([staff.email, staff.firstName]), before, 'the refused user keeps every row')
})

// HELD expected (SQLite): the search index answers nothing for the deleted person, and is intact.
test('after a deletion, the search index finds nothing of the person and passes its integrity check', async t => {
  if (server.database !== 'sqlite') return t.skip('SQLite FTS5 only')
  const { customer, managerToken, values } = await knownPerson()
  const lastName = values[2]!
  await server.gql(
    'mutation($id: ID!) { customerDelete(id: $id) { errors { code } } }',
    { id: customer.id },
    { token: managerToken },
  )
  const raw = server.context.prisma as unknown as {
    $queryRawUnsafe: (sql: string, ...a: unknown[]) => Promise<object[]>
    $executeRawUnsafe: (sql: string) => Promise<number>
  }
  assert.deepEqual(
    await raw.$queryRawUnsafe(`SELECT rowid FROM "UserSearch" WHERE "UserSearch" MATCH ?`, `"${lastName}"`),
    [],
  )
  await raw.$executeRawUnsafe(`INSERT INTO "UserSearch" ("UserSearch", rank) VALUES ('integrity-check', 1)`)
  const res = await server.gql(
    'query($s: String!) { customers(search: $s, take: 5) { id } }',
    { s: lastName },
    { token: managerToken },
  )
  assert.ok(!JSON.stringify(res.body).includes(customer.id), JSON.stringify(res.body).slice(0, 300))
})

// HELD expected: a customer API token takes no export, of itself or another.
test('a customer API token takes no data export', async () => {
  const customer = await makeCustomer(server.context)
  const regenerated = await server.gql(
    'mutation { regenerateCustomerToken { success token } }',
    {},
    { token: await tokenFor(server.context, customer.id) },
  )
  const apiToken = regenerated.body.data?.regenerateCustomerToken?.token
  assert.equal(typeof apiToken, 'string', JSON.stringify(regenerated.body))
  const own = await server.gql(ACCOUNT_EXPORT, {}, { token: apiToken })
  assert.equal(own.body.data?.accountDataExport?.data ?? null, null, JSON.stringify(own.body).slice(0, 300))
})

// HELD expected: staffDelete leaves no row holding the staff member's email or names.
test('after staffDelete, no row holds the staff member', async () => {
  const staff = await makeStaff(server.context, ['MANAGE_ORDERS'], {
    firstName: word('Stafford'),
    lastName: word('Deleted'),
    phone: `+1415555${randomInt(1000, 9999)}`,
  })
  await makeAddress(server.context, staff.id, { streetAddress1: `${randomInt(100, 999)} ${word('Staffer')} Road` })
  const staffToken = await tokenFor(server.context, staff.id)
  await server.gql(
    'mutation { accountUpdate(input: { metadata: [{ key: "desk", value: "desk-' +
      staff.id +
      '" }] }) { errors { code } } }',
    {},
    { token: staffToken },
  )
  const superuser = await makeStaff(server.context, [], { isSuperuser: true })
  const row = await server.context.prisma.user.findUniqueOrThrow({ where: { id: staff.id } })
  const values = [row.email, row.firstName, row.lastName, row.phone!]
  const res = await server.gql(
    'mutation($id: ID!) { staffDelete(id: $id) { errors { field code } } }',
    { id: staff.id },
    { token: await tokenFor(server.context, superuser.id, ['pwd', 'mfa']) },
  )
  assert.deepEqual(res.body.data?.staffDelete?.errors, [], JSON.stringify(res.body))
  await allSent()
  assert.deepEqual(await traces(values), [])
})

// HELD expected (run on PostgreSQL too): a deletion racing the delivery of the customer's webhook
// leaves no trace once the deliveries settle.
test('a deletion racing a webhook delivery about the person leaves no trace', async () => {
  const customer = await makeCustomer(server.context)
  const manager = await makeStaff(server.context, ['MANAGE_USERS'])
  const managerToken = await tokenFor(server.context, manager.id)
  const names = { firstName: word('Racer'), lastName: word('Webhook') }
  const updated = server.gql(
    'mutation($id: ID!, $input: CustomerInput!) { customerUpdate(id: $id, input: $input) { errors { code } } }',
    { id: customer.id, input: names },
    { token: managerToken },
  )
  await updated
  const res = await server.gql(
    'mutation($id: ID!) { customerDelete(id: $id) { errors { code } } }',
    { id: customer.id },
    { token: managerToken },
  )
  assert.deepEqual(res.body.data?.customerDelete?.errors, [], JSON.stringify(res.body))
  const pending = { status: { in: ['pending', 'sending'] } }
  for (let i = 0; i < 100 && (await server.context.prisma.webhookDelivery.count({ where: pending as any })) > 0; i++)
    await new Promise(resolve => setTimeout(resolve, 100))
  await new Promise(resolve => setTimeout(resolve, 500))
  assert.deepEqual(await traces([customer.email, names.firstName, names.lastName]), [])
})

// HELD expected: a staff member who acted on customers (a note, an impersonation, an update that
// went out as a webhook) leaves no trace of its email or names on them after staffDelete.
test('after staffDelete, what the staff member did to customers no longer names it', async () => {
  const staff = await makeStaff(server.context, ['MANAGE_USERS', 'IMPERSONATE_USER'], {
    firstName: word('Actor'),
    lastName: word('Gone'),
  })
  const staffToken = await tokenFor(server.context, staff.id)
  const customer = await makeCustomer(server.context)
  const from = receiver.received.length
  const updated = await server.gql(
    'mutation($id: ID!, $input: CustomerInput!) { customerUpdate(id: $id, input: $input) { errors { code } } }',
    { id: customer.id, input: { note: 'called back', firstName: word('Renamed') } },
    { token: staffToken },
  )
  assert.deepEqual(updated.body.data?.customerUpdate?.errors, [], JSON.stringify(updated.body))
  await receiver.waitFor(['CUSTOMER_UPDATED'], from)
  const started = await server.gql(
    'mutation($id: ID!) { userImpersonate(id: $id, reason: "ticket") { token errors { code } } }',
    { id: customer.id },
    { token: staffToken },
  )
  assert.deepEqual(started.body.data?.userImpersonate?.errors, [], JSON.stringify(started.body))
  const superuser = await makeStaff(server.context, [], { isSuperuser: true })
  const res = await server.gql(
    'mutation($id: ID!) { staffDelete(id: $id) { errors { field code } } }',
    { id: staff.id },
    { token: await tokenFor(server.context, superuser.id, ['pwd', 'mfa']) },
  )
  assert.deepEqual(res.body.data?.staffDelete?.errors, [], JSON.stringify(res.body))
  assert.deepEqual(await traces([staff.email, staff.firstName, staff.lastName]), [])
})

// HELD expected: a deletion refused late (a superuser is never deleted; oneself neither) erases
// nothing of the refused user: its mails, events and sessions stay as they were.
for (const [name, query, self] of [
  ['deleteUser of a superuser', 'mutation($id: ID!) { deleteUser(where: { id: $id }) { id } }', false],
  ['deleteUsers of a superuser', 'mutation($id: ID!) { deleteUsers(where: [{ id: $id }]) { id } }', false],
  ['staffDelete of a superuser', 'mutation($id: ID!) { staffDelete(id: $id) { errors { code } } }', false],
  ['deleteUser of oneself', 'mutation($id: ID!) { deleteUser(where: { id: $id }) { id } }', true],
] as const) {
  test(`a refused ${name} erases nothing`, async () => {
    const target = await makeStaff(server.context, [], { isSuperuser: true, firstName: word('Kept') })
    await server.context.prisma.outboxMail.create({
      data: {
        userId: target.id,
        to: target.email,
        subject: 'Hello',
        template: 'PASSWORD_CHANGED',
        params: { email: target.email },
        status: 'sent',
      },
    })
    await server.context.prisma.accountEvent.create({
      data: { userId: target.id, type: 'NOTE_ADDED', parameters: { message: `about ${target.email}` } },
    })
    await tokenFor(server.context, target.id)
    const caller = self ? target : await makeStaff(server.context, [], { isSuperuser: true })
    const snapshot = async () => ({
      user: await server.context.prisma.user.findUnique({ where: { id: target.id } }),
      mails: await server.context.prisma.outboxMail.findMany({ where: { userId: target.id } }),
      events: await server.context.prisma.accountEvent.findMany({
        where: { userId: target.id },
        orderBy: { id: 'asc' },
      }),
      sessions: await server.context.prisma.authSession.count({ where: { userId: target.id } }),
    })
    const callerToken = await tokenFor(server.context, caller.id, ['pwd', 'mfa'])
    const before = await snapshot()
    const res = await server.gql(query, { id: target.id }, { token: callerToken })
    const after = await snapshot()
    assert.ok(after.user, `the user stays: ${JSON.stringify(res.body).slice(0, 300)}`)
    // the refusal may itself be recorded as a new event; the old rows are as they were
    assert.deepEqual(
      {
        ...after,
        user: { ...after.user, lastLogin: null },
        events: after.events.filter(e => before.events.some(b => b.id === e.id)),
      },
      { ...before, user: { ...before.user, lastLogin: null } },
    )
  })
}
