// A person's data is scoped the same on every channel: webhooks. Subscribing to an event, and
// reading its deliveries (rows, payloads, counts, filters into them from the Webhook side), needs
// MANAGE_APPS and what reading the people the event carries needs: MANAGE_USERS for customers'
// events, MANAGE_STAFF for staff's (services/messaging/webhookEvents.ts). Attacked through the
// generated API, with variables, aliases, bulk and nested inputs, the Admin UI's item view, and a
// staff member's own email change, whose webhooks must not go out as customer events.
import '../helpers/env'
import { randomBytes } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, type GraphQLResponse, type TestServer } from '../helpers/server'
import { tokenFor } from '../helpers/actors'
import { PASSWORD, makeCustomer, makeStaff, makeSuperuser, makeWebhook } from '../helpers/factories'
import { startMailbox, tokenFromMail, type Mailbox } from '../helpers/mailbox'
import { startReceiver, type Receiver } from '../helpers/webhookReceiver'

// written out here, not derived from the rule under test
const CUSTOMER_EVENTS = [
  'CUSTOMER_CREATED',
  'CUSTOMER_UPDATED',
  'CUSTOMER_DELETED',
  'CUSTOMER_METADATA_UPDATED',
  'ACCOUNT_CONFIRMATION_REQUESTED',
  'ACCOUNT_CONFIRMED',
  'ACCOUNT_SET_PASSWORD_REQUESTED',
  'ACCOUNT_CHANGE_EMAIL_REQUESTED',
  'ACCOUNT_EMAIL_CHANGED',
  'ACCOUNT_DELETE_REQUESTED',
  'ACCOUNT_DELETED',
]
const STAFF_EVENTS = [
  'STAFF_CREATED',
  'STAFF_UPDATED',
  'STAFF_DELETED',
  'STAFF_SET_PASSWORD_REQUESTED',
  'PERMISSION_GROUP_CREATED',
  'PERMISSION_GROUP_UPDATED',
  'PERMISSION_GROUP_DELETED',
]
// an address belongs to a customer or to staff: both permissions
const EITHER_EVENTS = ['ADDRESS_CREATED', 'ADDRESS_UPDATED', 'ADDRESS_DELETED']

const SECRET = 'a webhook secret of some length'
const REDIRECT = 'http://localhost:3001'

const CREATE = 'mutation($data: WebhookCreateInput!) { createWebhook(data: $data) { id events } }'
const UPDATE =
  'mutation($id: ID!, $data: WebhookUpdateInput!) { updateWebhook(where: { id: $id }, data: $data) { id events } }'
const DELETE = 'mutation($id: ID!) { deleteWebhook(where: { id: $id }) { id } }'
const DELIVERIES =
  'query($where: WebhookDeliveryWhereInput! = {}) { webhookDeliveries(where: $where) { id event payload } }'

type Who = 'appsOnly' | 'appsAndUsers' | 'appsAndStaff' | 'usersAndStaff' | 'superuser'

let server: TestServer
let mailbox: Mailbox
let receiver: Receiver
const tokens = {} as Record<Who, string>
// webhooks made by somebody else (a superuser's app), and deliveries of each kind with a person in them
let hooks: { customers: string; staff: string; mixed: string; none: string; address: string }
let rows: {
  customer: string
  staff: string
  address: string
  mixedCustomer: string
  mixedStaff: string
  orphan: string
}
const customerEmail = `victim-${randomBytes(4).toString('hex')}@example.com`
const staffEmail = `victim-staff-${randomBytes(4).toString('hex')}@example.com`

function as(who: Who) {
  return <T = any>(query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse<T>> =>
    server.gql<T>(query, variables, { token: tokens[who] })
}

function hookData(events: string[], name = `hook-${randomBytes(3).toString('hex')}`) {
  return { name, targetUrl: receiver.url, secret: SECRET, events }
}

function assertRefusedForScope(res: GraphQLResponse, field: string, missing: RegExp) {
  assert.equal(res.body.data?.[field] ?? null, null, JSON.stringify(res.body))
  assert.equal(res.body.errors?.[0]?.extensions?.code, 'KS_VALIDATION_FAILURE', JSON.stringify(res.body.errors))
  assert.match(res.body.errors[0].message, /OUT_OF_SCOPE_PERMISSION: You need .* to manage a webhook on /)
  assert.match(res.body.errors[0].message, missing)
}

async function delivery(webhookId: string | null, event: string, email: string) {
  const row = await server.context.prisma.webhookDelivery.create({
    data: {
      ...(webhookId ? { webhookId } : {}),
      event,
      // status failed: the worker leaves it alone
      status: 'failed',
      payload: JSON.stringify({ event, data: { user: { id: 'x', email, firstName: 'Vic' } } }),
      lastError: 'HTTP 500',
    },
  })
  return row.id
}

async function storedWebhook(id: string) {
  return server.context.prisma.webhook.findUniqueOrThrow({ where: { id } })
}

before(async () => {
  mailbox = await startMailbox()
  receiver = await startReceiver(SECRET)
  // not production: the staff member's own email change is delivered to a receiver on loopback
  server = await startServer({
    env: { NODE_ENV: 'test', SMTP_URL: mailbox.url, OUTBOX_POLL_MS: '100', OUTBOX_BACKOFF_MS: '100' },
  })
  const context = server.context
  const people: Record<Who, { id: string }> = {
    appsOnly: await makeStaff(context, ['MANAGE_APPS']),
    appsAndUsers: await makeStaff(context, ['MANAGE_APPS', 'MANAGE_USERS']),
    appsAndStaff: await makeStaff(context, ['MANAGE_APPS', 'MANAGE_STAFF']),
    usersAndStaff: await makeStaff(context, ['MANAGE_USERS', 'MANAGE_STAFF']),
    superuser: await makeSuperuser(context),
  }
  for (const [who, person] of Object.entries(people)) tokens[who as Who] = await tokenFor(context, person.id)
  const made = async (events: string[]) => String((await makeWebhook(context, hookData(events))).id)
  hooks = {
    customers: await made(['CUSTOMER_CREATED', 'ACCOUNT_CONFIRMED']),
    staff: await made(['STAFF_CREATED']),
    mixed: await made(['CUSTOMER_UPDATED', 'STAFF_UPDATED']),
    none: await made([]),
    address: await made(['ADDRESS_CREATED']),
  }
  rows = {
    customer: await delivery(hooks.customers, 'CUSTOMER_CREATED', customerEmail),
    staff: await delivery(hooks.staff, 'STAFF_CREATED', staffEmail),
    address: await delivery(hooks.address, 'ADDRESS_CREATED', customerEmail),
    mixedCustomer: await delivery(hooks.mixed, 'CUSTOMER_UPDATED', customerEmail),
    mixedStaff: await delivery(hooks.mixed, 'STAFF_UPDATED', staffEmail),
    // its webhook was deleted: the event alone decides
    orphan: await delivery(null, 'CUSTOMER_DELETED', customerEmail),
  }
})

after(async () => {
  await server?.stop()
  await mailbox?.stop()
  await receiver?.stop()
})

describe('subscribing: createWebhook takes only the events the caller may read the people of', () => {
  const reach: Record<Who, string[]> = {
    appsOnly: [],
    appsAndUsers: CUSTOMER_EVENTS,
    appsAndStaff: STAFF_EVENTS,
    usersAndStaff: [],
    superuser: [...CUSTOMER_EVENTS, ...STAFF_EVENTS, ...EITHER_EVENTS],
  }
  for (const who of ['appsOnly', 'appsAndUsers', 'appsAndStaff', 'superuser'] as const) {
    test(`${who}: each event alone is accepted exactly when it is within reach, and a refusal stores nothing`, async () => {
      for (const event of [...CUSTOMER_EVENTS, ...STAFF_EVENTS, ...EITHER_EVENTS]) {
        // given
        const name = `scope-${who}-${event}-${randomBytes(3).toString('hex')}`

        // when
        const res = await as(who)(CREATE, { data: hookData([event], name) })

        // then
        const stored = await server.context.prisma.webhook.count({ where: { name } })
        if (reach[who].includes(event)) {
          assert.equal(res.body.errors, undefined, `${who} ${event}: ${JSON.stringify(res.body.errors)}`)
          assert.deepEqual(res.body.data.createWebhook.events, [event])
          assert.equal(stored, 1)
        } else {
          assertRefusedForScope(res, 'createWebhook', /MANAGE_(USERS|STAFF)/)
          assert.equal(stored, 0, `${who} ${event} was stored`)
        }
      }
    })
  }

  test('MANAGE_APPS alone manages a webhook with no events, and the refusal names the permission it lacks', async () => {
    // when
    const empty = await as('appsOnly')(CREATE, { data: hookData([]) })
    const staff = await as('appsOnly')(CREATE, { data: hookData(['STAFF_CREATED']) })
    const customer = await as('appsOnly')(CREATE, { data: hookData(['CUSTOMER_CREATED']) })

    // then
    assert.equal(empty.body.errors, undefined, JSON.stringify(empty.body.errors))
    assertRefusedForScope(staff, 'createWebhook', /You need MANAGE_STAFF to manage a webhook on STAFF_CREATED\./)
    assertRefusedForScope(customer, 'createWebhook', /You need MANAGE_USERS to manage a webhook on CUSTOMER_CREATED\./)
  })

  test('MANAGE_USERS and MANAGE_STAFF without MANAGE_APPS create no webhook at all', async () => {
    const res = await as('usersAndStaff')(CREATE, { data: hookData([]) })
    assert.equal(res.body.data?.createWebhook ?? null, null)
    assert.equal(res.body.errors?.[0]?.extensions?.code, 'KS_ACCESS_DENIED')
  })

  test('one event out of reach among allowed ones refuses the whole webhook; aliases and bulk create are judged one by one and rolled back whole', async () => {
    // given
    const before = await server.context.prisma.webhook.count()
    const mixed = hookData(['CUSTOMER_CREATED', 'STAFF_CREATED'])

    // when
    const one = await as('appsAndUsers')(CREATE, { data: mixed })
    const aliases = await as('appsAndUsers')(
      `mutation($ok: WebhookCreateInput!, $bad: WebhookCreateInput!) {
        ok: createWebhook(data: $ok) { id } bad: createWebhook(data: $bad) { id } }`,
      { ok: hookData(['CUSTOMER_CREATED']), bad: hookData(['PERMISSION_GROUP_CREATED']) },
    )
    const bulk = await as('appsAndUsers')(
      'mutation($data: [WebhookCreateInput!]!) { createWebhooks(data: $data) { id } }',
      { data: [hookData(['CUSTOMER_UPDATED']), hookData(['STAFF_DELETED'])] },
    )

    // then
    assertRefusedForScope(one, 'createWebhook', /MANAGE_STAFF .* STAFF_CREATED/)
    assert.ok(aliases.body.data.ok?.id, 'the allowed alias is created')
    assert.equal(aliases.body.data.bad, null)
    assert.match(JSON.stringify(aliases.body.errors), /OUT_OF_SCOPE_PERMISSION/)
    assert.match(JSON.stringify(bulk.body.errors), /OUT_OF_SCOPE_PERMISSION/)
    // the allowed alias, and nothing of the bulk
    assert.equal(await server.context.prisma.webhook.count(), before + 1)
  })

  test('a delivery cannot be made, nor a webhook created through it, from the delivery side', async () => {
    // given
    const before = await server.context.prisma.webhook.count()
    const deliveriesBefore = await server.context.prisma.webhookDelivery.count()
    const nested = { create: hookData(['CUSTOMER_CREATED']) }

    // when
    const created = await as('appsOnly')(
      'mutation($data: WebhookDeliveryCreateInput!) { createWebhookDelivery(data: $data) { id } }',
      { data: { event: 'CUSTOMER_CREATED', payload: '{}', webhook: nested } },
    )
    const updated = await as('appsOnly')(
      'mutation($id: ID!, $data: WebhookDeliveryUpdateInput!) { updateWebhookDelivery(where: { id: $id }, data: $data) { id } }',
      { id: rows.orphan, data: { webhook: nested } },
    )

    // then
    for (const res of [created, updated]) {
      assert.ok(res.body.errors?.length, JSON.stringify(res.body))
      assert.equal(res.body.errors[0].extensions?.code, 'KS_ACCESS_DENIED')
    }
    assert.equal(await server.context.prisma.webhook.count(), before)
    assert.equal(await server.context.prisma.webhookDelivery.count(), deliveriesBefore)
  })
})

describe('changing a webhook someone else made: every field needs the events it has and gets', () => {
  for (const [what, data] of [
    ['rename it', { name: 'mine now' }],
    ['point it at another target', { targetUrl: 'http://127.0.0.1:1/elsewhere' }],
    ['replace its secret', { secret: 'a secret the attacker knows' }],
    ['switch it off', { isActive: false }],
    ['drop its events', { events: [] }],
  ] as const) {
    test(`MANAGE_APPS alone cannot ${what} when it carries customers' events, and nothing changes`, async () => {
      // given
      const before = await storedWebhook(hooks.customers)

      // when
      const res = await as('appsOnly')(UPDATE, { id: hooks.customers, data })

      // then
      assertRefusedForScope(res, 'updateWebhook', /MANAGE_USERS .* CUSTOMER_CREATED, ACCOUNT_CONFIRMED/)
      assert.deepEqual(await storedWebhook(hooks.customers), before)
    })
  }

  test('MANAGE_APPS alone cannot add customer or staff events to an event-less webhook, nor re-enable a disabled one of another', async () => {
    // given
    const disabled = String(
      (await makeWebhook(server.context, { ...hookData(['CUSTOMER_CREATED']), isActive: false })).id,
    )

    // when
    const addCustomer = await as('appsOnly')(UPDATE, { id: hooks.none, data: { events: ['CUSTOMER_CREATED'] } })
    const addStaff = await as('appsOnly')(UPDATE, { id: hooks.none, data: { events: ['STAFF_UPDATED'] } })
    const enable = await as('appsOnly')(UPDATE, { id: disabled, data: { isActive: true } })
    const rename = await as('appsOnly')(UPDATE, { id: hooks.none, data: { name: 'still event-less' } })

    // then
    assertRefusedForScope(addCustomer, 'updateWebhook', /MANAGE_USERS/)
    assertRefusedForScope(addStaff, 'updateWebhook', /MANAGE_STAFF/)
    assertRefusedForScope(enable, 'updateWebhook', /MANAGE_USERS/)
    assert.equal(rename.body.errors, undefined, JSON.stringify(rename.body.errors))
    assert.deepEqual((await storedWebhook(hooks.none)).events, [])
    assert.equal((await storedWebhook(disabled)).isActive, false)
  })

  test('MANAGE_USERS reaches customer webhooks but not one that also carries staff, not even to remove the staff event', async () => {
    // given
    const mixedBefore = await storedWebhook(hooks.mixed)
    const own = String((await makeWebhook(server.context, hookData(['CUSTOMER_UPDATED']))).id)

    // when
    const retarget = await as('appsAndUsers')(UPDATE, { id: own, data: { targetUrl: `${receiver.url}?v=2` } })
    const narrow = await as('appsAndUsers')(UPDATE, { id: hooks.mixed, data: { events: ['CUSTOMER_UPDATED'] } })
    const rename = await as('appsAndUsers')(UPDATE, { id: hooks.mixed, data: { name: 'renamed' } })
    const widen = await as('appsAndUsers')(UPDATE, { id: own, data: { events: ['CUSTOMER_UPDATED', 'STAFF_DELETED'] } })

    // then
    assert.equal(retarget.body.errors, undefined, JSON.stringify(retarget.body.errors))
    assertRefusedForScope(narrow, 'updateWebhook', /MANAGE_STAFF .* STAFF_UPDATED/)
    assertRefusedForScope(rename, 'updateWebhook', /MANAGE_STAFF/)
    assertRefusedForScope(widen, 'updateWebhook', /MANAGE_STAFF .* STAFF_DELETED/)
    assert.deepEqual(await storedWebhook(hooks.mixed), mixedBefore)
    assert.deepEqual((await storedWebhook(own)).events, ['CUSTOMER_UPDATED'])
  })

  test('a bulk update with one webhook out of reach changes none of them; deleting one out of reach is refused', async () => {
    // given
    const own = String((await makeWebhook(server.context, hookData(['CUSTOMER_CREATED']))).id)

    // when
    const bulk = await as('appsAndUsers')(
      'mutation($data: [WebhookUpdateArgs!]!) { updateWebhooks(data: $data) { id } }',
      {
        data: [
          { where: { id: own }, data: { name: 'bulk renamed' } },
          { where: { id: hooks.staff }, data: { targetUrl: 'http://127.0.0.1:1/bulk' } },
        ],
      },
    )
    const deleted = await as('appsAndUsers')(DELETE, { id: hooks.staff })
    const deleteCustomers = await as('appsOnly')(DELETE, { id: hooks.customers })

    // then
    assert.match(JSON.stringify(bulk.body.errors), /OUT_OF_SCOPE_PERMISSION/)
    assert.notEqual((await storedWebhook(own)).name, 'bulk renamed')
    assert.equal((await storedWebhook(hooks.staff)).targetUrl, receiver.url)
    assertRefusedForScope(deleted, 'deleteWebhook', /MANAGE_STAFF/)
    assertRefusedForScope(deleteCustomers, 'deleteWebhook', /MANAGE_USERS/)
    await storedWebhook(hooks.staff)
    await storedWebhook(hooks.customers)
  })

  test("the Admin UI shows a webhook out of the caller's reach read-only, and one within reach as a form", async () => {
    const FIELD_MODES = `query($id: ID!) { keystone { adminMeta { list(key: "Webhook", itemId: $id) {
      fields { key itemView { fieldMode } } } } } }`
    const modes = async (who: Who, id: string) => {
      const res = await as(who)(FIELD_MODES, { id })
      assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors))
      const fields = res.body.data.keystone.adminMeta.list.fields as { key: string; itemView: { fieldMode: string } }[]
      return Object.fromEntries(fields.map(field => [field.key, field.itemView?.fieldMode]))
    }
    assert.equal((await modes('appsOnly', hooks.customers)).targetUrl, 'read')
    assert.equal((await modes('appsOnly', hooks.customers)).events, 'read')
    assert.equal((await modes('appsOnly', hooks.none)).targetUrl, 'edit')
    assert.equal((await modes('appsAndUsers', hooks.customers)).targetUrl, 'edit')
    assert.equal((await modes('appsAndUsers', hooks.mixed)).events, 'read')
    assert.equal((await modes('superuser', hooks.mixed)).events, 'edit')
  })
})

describe('reading deliveries: only those of events the caller may subscribe to, by every way of asking', () => {
  const all = () => Object.values(rows)
  const visible: Record<'appsOnly' | 'appsAndUsers' | 'appsAndStaff' | 'superuser', () => string[]> = {
    appsOnly: () => [],
    appsAndUsers: () => [rows.customer, rows.mixedCustomer, rows.orphan],
    appsAndStaff: () => [rows.staff, rows.mixedStaff],
    superuser: () => all(),
  }

  for (const who of ['appsOnly', 'appsAndUsers', 'appsAndStaff', 'superuser'] as const) {
    test(`${who}: the list, its count, one by id, a webhook's deliveries and their count, in one request of aliases`, async () => {
      // when
      const res = await as(who)(
        `query($ids: [ID!]!, $one: ID!, $mixed: ID!) {
          list: webhookDeliveries(where: { id: { in: $ids } }) { id payload }
          count: webhookDeliveriesCount(where: { id: { in: $ids } })
          one: webhookDelivery(where: { id: $one }) { id payload }
          again: webhookDelivery(where: { id: $one }) { payload }
          hook: webhook(where: { id: $mixed }) { events deliveries { id payload } deliveriesCount }
          hooks: webhooks(where: { id: { in: [$mixed] } }) { deliveries(where: { payload: { contains: "victim" } }) { id } }
        }`,
        { ids: all(), one: rows.customer, mixed: hooks.mixed },
      )

      // then
      assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors))
      const data = res.body.data
      const expected = visible[who]()
      assert.deepEqual(data.list.map((row: { id: string }) => row.id).sort(), [...expected].sort())
      assert.equal(data.count, expected.length)
      assert.equal(data.one?.id ?? null, expected.includes(rows.customer) ? rows.customer : null)
      // the webhook's settings are readable with MANAGE_APPS: they name kinds of events, never a person
      assert.deepEqual(data.hook.events, ['CUSTOMER_UPDATED', 'STAFF_UPDATED'])
      const onMixed = [rows.mixedCustomer, rows.mixedStaff].filter(id => expected.includes(id))
      assert.deepEqual(data.hook.deliveries.map((row: { id: string }) => row.id).sort(), onMixed.sort())
      assert.equal(data.hook.deliveriesCount, onMixed.length)
      assert.deepEqual(data.hooks[0].deliveries.map((row: { id: string }) => row.id).sort(), onMixed.sort())
      const seen = JSON.stringify(data)
      if (!['appsAndUsers', 'superuser'].includes(who)) assert.ok(!seen.includes(customerEmail), 'a customer leaked')
      if (!['appsAndStaff', 'superuser'].includes(who)) assert.ok(!seen.includes(staffEmail), 'a staff member leaked')
    })
  }

  test('MANAGE_APPS alone learns nothing from filters on payloads, directly or from the Webhook side, whatever it guesses', async () => {
    // a right guess and a wrong one must answer alike
    const right = customerEmail.slice(0, 12)
    const wrong = 'zz-no-such-person'
    const ask = (guess: string) =>
      as('appsOnly')(
        `query($guess: String!, $staff: String!) {
          direct: webhookDeliveries(where: { payload: { contains: $guess } }) { id }
          counted: webhookDeliveriesCount(where: { payload: { contains: $guess } })
          some: webhooks(where: { deliveries: { some: { payload: { contains: $guess } } } }) { id }
          none: webhooks(where: { deliveries: { none: { payload: { contains: $guess } } } }) { id }
          every: webhooks(where: { deliveries: { every: { payload: { contains: $guess } } } }) { id }
          staffSome: webhooksCount(where: { deliveries: { some: { payload: { contains: $staff } } } })
          nested: webhooks(where: { OR: [{ deliveries: { some: { AND: [{ event: { equals: "CUSTOMER_CREATED" } }, { lastError: { contains: "500" } }] } } }] }) { id }
          byEvent: webhookDeliveriesCount(where: { event: { in: ["CUSTOMER_CREATED", "STAFF_CREATED", "CUSTOMER_DELETED"] } })
        }`,
        { guess, staff: guess === right ? staffEmail.slice(0, 14) : wrong },
      )

    // when
    const [yes, no] = [await ask(right), await ask(wrong)]

    // then
    assert.equal(yes.body.errors, undefined, JSON.stringify(yes.body.errors))
    assert.deepEqual(yes.body.data, no.body.data)
    assert.deepEqual(yes.body.data.direct, [])
    assert.equal(yes.body.data.counted, 0)
    assert.deepEqual(yes.body.data.some, [])
    assert.deepEqual(yes.body.data.nested, [])
    assert.equal(yes.body.data.staffSome, 0)
    assert.equal(yes.body.data.byEvent, 0)
  })

  test('MANAGE_USERS with MANAGE_APPS filters customer payloads but finds no staff payload, from either side', async () => {
    // when
    const res = await as('appsAndUsers')(
      `query($customer: String!, $staff: String!) {
        customers: webhookDeliveries(where: { payload: { contains: $customer } }) { id }
        staff: webhookDeliveriesCount(where: { payload: { contains: $staff } })
        staffHooks: webhooks(where: { deliveries: { some: { payload: { contains: $staff } } } }) { id }
        customerHooks: webhooks(where: { deliveries: { some: { payload: { contains: $customer } } } }) { id }
      }`,
      { customer: customerEmail, staff: staffEmail },
    )

    // then
    assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors))
    assert.deepEqual(
      res.body.data.customers.map((row: { id: string }) => row.id).sort(),
      [rows.customer, rows.mixedCustomer, rows.orphan].sort(),
    )
    assert.equal(res.body.data.staff, 0)
    assert.deepEqual(res.body.data.staffHooks, [])
    assert.deepEqual(
      res.body.data.customerHooks.map((row: { id: string }) => row.id).sort(),
      [hooks.customers, hooks.mixed].sort(),
    )
  })

  test('a delivery readable to the caller stays so through the relationship back to its webhook, and one out of reach does not appear there', async () => {
    const res = await as('appsAndStaff')(
      `query($ids: [ID!]!) { webhookDeliveries(where: { id: { in: $ids } }) { id webhook { id deliveries { event } } } }`,
      { ids: [rows.mixedStaff, rows.mixedCustomer] },
    )
    assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors))
    assert.deepEqual(res.body.data.webhookDeliveries, [
      { id: rows.mixedStaff, webhook: { id: hooks.mixed, deliveries: [{ event: 'STAFF_UPDATED' }] } },
    ])
  })
})

describe("a staff member's own email change: its webhooks are staff events, never ACCOUNT_* ones", () => {
  test('requestEmailChange sends no customer event, and confirmEmailChange sends STAFF_UPDATED with the old email', async () => {
    // given: an app subscribed to every event, and a staff member
    const staff = await makeStaff(server.context, ['MANAGE_PRODUCTS'])
    const token = await tokenFor(server.context, staff.id)
    const all = [...CUSTOMER_EVENTS, ...STAFF_EVENTS, ...EITHER_EVENTS]
    const hook = await as('superuser')(CREATE, { data: hookData(all, 'every event') })
    assert.equal(hook.body.errors, undefined, JSON.stringify(hook.body.errors))
    const hookId = hook.body.data.createWebhook.id
    const newEmail = `moved-${randomBytes(4).toString('hex')}@example.com`
    const from = receiver.received.length

    // when
    const requested = await server.gql(
      `mutation($password: String!, $newEmail: String!) {
        requestEmailChange(password: $password, newEmail: $newEmail, redirectUrl: "${REDIRECT}/email") { errors { field code } } }`,
      { password: PASSWORD, newEmail },
      { token },
    )
    assert.deepEqual(requested.body.data?.requestEmailChange?.errors, [], JSON.stringify(requested.body))
    const mail = await mailbox.next(newEmail, /email/i)
    const confirmed = await server.gql(
      'mutation($token: String!) { confirmEmailChange(token: $token) { errors { field code } } }',
      { token: tokenFromMail(mail) },
      { token },
    )
    assert.deepEqual(confirmed.body.data?.confirmEmailChange?.errors, [], JSON.stringify(confirmed.body))

    // then
    const updated = (await receiver.waitFor(['STAFF_UPDATED'], from)).find(item => item.event === 'STAFF_UPDATED')
    assert.equal(updated?.json.data.user.email, newEmail)
    assert.equal(updated?.json.data.oldEmail, staff.email)
    const events = (
      await server.context.prisma.webhookDelivery.findMany({ where: { webhookId: hookId }, select: { event: true } })
    ).map(row => row.event)
    assert.deepEqual(events, ['STAFF_UPDATED'])
    await server.context.prisma.webhook.update({ where: { id: hookId }, data: { isActive: false } })
  })

  test("a customer's email change still sends the ACCOUNT_* events", async () => {
    // given
    const hook = await as('appsAndUsers')(CREATE, {
      data: hookData(['ACCOUNT_CHANGE_EMAIL_REQUESTED', 'ACCOUNT_EMAIL_CHANGED', 'CUSTOMER_UPDATED']),
    })
    assert.equal(hook.body.errors, undefined, JSON.stringify(hook.body.errors))
    const customer = await makeCustomer(server.context)
    const token = await tokenFor(server.context, customer.id)
    const hookId = hook.body.data.createWebhook.id
    const newEmail = `moved-${randomBytes(4).toString('hex')}@example.com`
    const from = receiver.received.length

    // when
    await server.gql(
      `mutation($password: String!, $newEmail: String!) {
        requestEmailChange(password: $password, newEmail: $newEmail, redirectUrl: "${REDIRECT}/email") { errors { field code } } }`,
      { password: PASSWORD, newEmail },
      { token },
    )
    const mail = await mailbox.next(newEmail, /email/i)
    await server.gql(
      'mutation($token: String!) { confirmEmailChange(token: $token) { errors { field code } } }',
      { token: tokenFromMail(mail) },
      { token },
    )

    // then
    const received = await receiver.waitFor(['ACCOUNT_CHANGE_EMAIL_REQUESTED', 'ACCOUNT_EMAIL_CHANGED'], from)
    assert.ok(received.every(item => item.json.data.user.isStaff === false))
    await server.context.prisma.webhook.update({ where: { id: hookId }, data: { isActive: false } })
  })
})
