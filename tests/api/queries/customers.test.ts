// customers / customersCount (MANAGE_USERS), staffUsers / staffUsersCount (MANAGE_STAFF), the
// scoped user(where), and a user's events for staff.
import '../../helpers/env'
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, type TestServer } from '../../helpers/server'
import { tokenFor } from '../../helpers/actors'
import { makeAddress, makeCustomer, makeStaff } from '../../helpers/factories'

let server: TestServer
let support: string
let staffManager: string
let customerToken: string
const ids: Record<string, string> = {}

before(async () => {
  server = await startServer()
  const c = server.context
  const ada = await makeCustomer(c, {
    email: 'ada@example.com',
    firstName: 'Ada',
    lastName: 'Lovelace',
    phone: '+442079460958',
  })
  const grace = await makeCustomer(c, { email: 'grace@example.com', firstName: 'Grace', lastName: 'Hopper' })
  await makeAddress(c, grace.id, {
    streetAddress1: '99 Navy Yard',
    city: 'Arlington',
    postalCode: '22202',
    countryArea: 'VA',
  })
  const staff = await makeStaff(c, ['MANAGE_PRODUCTS'], { email: 'product.person@example.com' })
  Object.assign(ids, { ada: ada.id, grace: grace.id, staff: staff.id })
  support = await tokenFor(c, (await makeStaff(c, ['MANAGE_USERS'])).id)
  staffManager = await tokenFor(c, (await makeStaff(c, ['MANAGE_STAFF'])).id)
  customerToken = await tokenFor(c, ada.id)
  await c.prisma.accountEvent.create({
    data: { type: 'NOTE_ADDED', userId: grace.id, actorId: null, parameters: { message: 'called about an order' } },
  })
})

after(async () => {
  await server?.stop()
})

const CUSTOMERS =
  'query($s: String) { customers(search: $s, orderBy: [{ email: asc }]) { id email } customersCount(search: $s) }'

for (const [label, search, expected] of [
  ['an email fragment', 'ADA@', ['ada']],
  ['a last name', 'hopper', ['grace']],
  ['a phone', '2079460958', ['ada']],
  ['an address street', 'navy yard', ['grace']],
  ['an address city', 'ARLINGTON', ['grace']],
  ['an address postal code', '22202', ['grace']],
] as const) {
  test(`customers(search) matches ${label}, case-insensitively, and customersCount agrees`, async () => {
    const res = await server.gql(CUSTOMERS, { s: search }, { token: support })
    assert.deepEqual(
      res.body.data.customers.map((u: { id: string }) => u.id),
      expected.map(name => ids[name]),
    )
    assert.equal(res.body.data.customersCount, expected.length)
  })
}

test('customers never lists staff, and staffUsers never lists customers', async () => {
  const all = await server.gql(CUSTOMERS, {}, { token: support })
  assert.ok(!all.body.data.customers.some((u: { id: string }) => u.id === ids.staff))
  const staff = await server.gql('{ staffUsers { id } staffUsersCount }', {}, { token: staffManager })
  const staffIds = staff.body.data.staffUsers.map((u: { id: string }) => u.id)
  assert.ok(staffIds.includes(ids.staff))
  assert.ok(!staffIds.includes(ids.ada))
  assert.equal(staff.body.data.staffUsersCount, staffIds.length)
})

for (const [query, who] of [
  ['{ customers { id } }', 'a customer'],
  ['{ customersCount }', 'staff with MANAGE_STAFF only'],
  ['{ staffUsers { id } }', 'staff with MANAGE_USERS only'],
] as const) {
  test(`${query} as ${who} is refused with KS_ACCESS_DENIED`, async () => {
    const token = who === 'a customer' ? customerToken : who.includes('MANAGE_STAFF') ? staffManager : support
    const res = await server.gql(query, {}, { token })
    assert.equal(res.body.errors?.[0]?.extensions?.code, 'KS_ACCESS_DENIED')
  })
}

test("user(where) answers null, not an error, for a user outside the caller's scope", async () => {
  const staffAsSupport = await server.gql(
    'query($id: ID!) { user(where: { id: $id }) { id } }',
    { id: ids.staff },
    { token: support },
  )
  assert.deepEqual(staffAsSupport.body, { data: { user: null } })
  const customerAsStaffManager = await server.gql(
    'query($e: String!) { user(where: { email: $e }) { id } }',
    { e: 'ada@example.com' },
    { token: staffManager },
  )
  assert.deepEqual(customerAsStaffManager.body, { data: { user: null } })
})

test("a customer's events read as type, date, acting user and parameters for staff", async () => {
  const res = await server.gql(
    'query($id: ID!) { user(where: { id: $id }) { events { type date user { id email } parameters } } }',
    { id: ids.grace },
    { token: support },
  )
  const [event] = res.body.data.user.events
  assert.equal(event.type, 'NOTE_ADDED')
  assert.equal(event.user.id, ids.grace)
  assert.deepEqual(event.parameters, { message: 'called about an order' })
  assert.ok(Date.parse(event.date))
})
