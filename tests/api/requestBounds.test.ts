// The work a request may cause is bounded by everything it carries (server/graphqlLimits.ts,
// requestBoundsPlugin): filters in variables, aliases times input, lists and strings, bulk items,
// each item that hashes a password or sends a mail, and the rows its lists can fan out to. What
// is refused is refused before anything runs, quickly, while the server goes on answering others;
// what the Admin UI and the storefront flows send passes. Runs on the run's default database
// (TEST_DATABASE=postgresql for PostgreSQL). How quickly a refusal is answered is measured by
// `npm run bench` against a reference in the same run, not by a clock here (a loaded machine moves it).
import '../helpers/env'
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { databaseSkipReason, freePort, startServer, type TestServer } from '../helpers/server'
import { makeActors, tokenFor, type Actors } from '../helpers/actors'
import { makeAddress, makeCustomer, makeCustomerGroup, makeSuperuser } from '../helpers/factories'
import pg from 'pg'
import { SMTPServer } from 'smtp-server'

let server: TestServer
let actors: Actors
let customerToken: string

before(async () => {
  server = await startServer()
  actors = await makeActors(server.context)
  const customer = await makeCustomer(server.context)
  await makeAddress(server.context, customer.id)
  customerToken = await tokenFor(server.context, customer.id)
})
after(async () => {
  await server?.stop()
})

const COUNTS = ['usersCount', 'customersCount']

/** `n` aliases of counts, all reading `$w`, as the probe sent them. */
function aliasedCounts(n: number, type = 'UserWhereInput'): string {
  const fields = Array.from({ length: n }, (_, i) => `a${i}: ${COUNTS[i % 2]}(where: $w)`).join(' ')
  return `query($w: ${type}) { ${fields} }`
}

function refusal(res: { status: number; body: any }, limit?: string) {
  assert.equal(res.status, 400, JSON.stringify(res.body).slice(0, 500))
  assert.equal(res.body.data, undefined)
  assert.equal(res.body.errors?.[0]?.extensions?.code, 'REQUEST_TOO_LARGE', JSON.stringify(res.body.errors))
  if (limit) assert.equal(res.body.errors[0].extensions.limit, limit, res.body.errors[0].message)
}

function wideFilter(bytes: number) {
  // relationship filters that would each become a subquery
  const item = (i: number) => ({
    OR: [
      { email: { contains: `probe-${i}` } },
      { addresses: { some: { city: { contains: `city-${i}` } } } },
      { customerGroups: { some: { name: { startsWith: `group-${i}` } } } },
    ],
  })
  const items = []
  let size = 0
  for (let i = 0; size < bytes; i++) {
    items.push(item(i))
    size += JSON.stringify(item(i)).length + 1
  }
  return { OR: items }
}

describe('what a request carries, variables substituted', () => {
  test("the probe's 99 KB filter in variables read by 30 aliased counts is refused at once, anonymously, while others are answered", async () => {
    // given
    const where = wideFilter(97_000)
    assert.ok(JSON.stringify(where).length > 95_000)
    // when
    const [attack, ordinary] = await Promise.all([
      server.gql(aliasedCounts(30), { w: where }),
      server.gql('{ channels(take: 1) { id } }'),
    ])
    // then
    refusal(attack)
    assert.equal(ordinary.status, 200)
    assert.equal(ordinary.body.errors, undefined)
  })

  test('a filter small enough on its own is refused when thirty aliases multiply it', async () => {
    // 105 values a filter: well within one filter, 3,150 across thirty aliases
    const where = { OR: Array.from({ length: 35 }, (_, i) => ({ email: { contains: `x${i}` } })) }
    const once = await server.gql(aliasedCounts(1), { w: where }, { token: actors.superuser.token })
    assert.equal(once.status, 200, JSON.stringify(once.body.errors))
    const thirty = await server.gql(aliasedCounts(30), { w: where }, { token: actors.superuser.token })
    refusal(thirty, 'requestFilterValues')
  })

  test('NOT nested two hundred deep is refused, not overflowed', async () => {
    let where: Record<string, unknown> = { email: { contains: 'a' } }
    for (let i = 0; i < 200; i++) where = { NOT: [where] }
    const res = await server.gql(aliasedCounts(1), { w: where }, { token: actors.superuser.token })
    refusal(res, 'inputDepth')
  })

  test('a relationship filter chained past the depth limit is refused', async () => {
    let where: Record<string, unknown> = { email: { equals: 'a@example.com' } }
    for (let i = 0; i < 6; i++) where = { addresses: { some: { user: where } } }
    const res = await server.gql(aliasedCounts(1), { w: where }, { token: actors.superuser.token })
    refusal(res, 'inputDepth')
  })

  test('an `in` list of 3,000 ids is refused, and so is one item past a hundred', async () => {
    const ids = Array.from({ length: 3000 }, (_, i) => `id${i}`)
    const huge = await server.gql(aliasedCounts(30), { w: { id: { in: ids } } }, { token: actors.superuser.token })
    refusal(huge, 'listItems')
    const past = await server.gql(
      aliasedCounts(1),
      { w: { id: { notIn: ids.slice(0, 101) } } },
      { token: actors.supportStaff.token },
    )
    refusal(past, 'listItems')
    const page = await server.gql(
      aliasedCounts(1),
      { w: { id: { in: ids.slice(0, 100) } } },
      { token: actors.supportStaff.token },
    )
    assert.equal(page.status, 200, JSON.stringify(page.body.errors))
  })

  test('a long search or filter string is refused, aliased or not', async () => {
    const long = 'e'.repeat(60_000)
    const search = await server.gql(
      `query($s: String) { ${Array.from({ length: 30 }, (_, i) => `a${i}: customersCount(search: $s)`).join(' ')} }`,
      { s: long },
      { token: actors.supportStaff.token },
    )
    refusal(search, 'filterString')
    const filter = await server.gql(
      aliasedCounts(1),
      { w: { email: { contains: 'e'.repeat(3000) } } },
      { token: actors.supportStaff.token },
    )
    refusal(filter, 'filterString')
  })

  test('a NUL character in any text is refused before anything runs: a search, an id, a literal, a JSON key, a sign-in', async () => {
    const staff = { token: actors.supportStaff.token }
    const cases: [string, Record<string, unknown>, { token?: string } | undefined][] = [
      ['query($s: String) { customersCount(search: $s) }', { s: 'abc\u0000def' }, staff],
      ['query($id: ID!) { user(where: { id: $id }) { id } }', { id: 'x\u0000' }, staff],
      ['query { usersCount(where: { email: { contains: "a\\u0000b" } }) }', {}, staff],
      [
        'mutation($m: JSON) { createCustomerGroup(data: { name: "nul", metadata: $m }) { id } }',
        { m: { 'k\u0000': 'v' } },
        staff,
      ],
      [
        'mutation($e: String!) { tokenCreate(email: $e, password: "whatever-password") { token errors { code } } }',
        { e: 'someone\u0000@example.com' },
        undefined,
      ],
    ]
    for (const [query, variables, credentials] of cases) {
      const res = await server.gql(query, variables, credentials)
      assert.equal(res.status, 400, `${query}: ${JSON.stringify(res.body).slice(0, 300)}`)
      assert.equal(res.body.data, undefined, query)
      assert.equal(res.body.errors?.[0]?.extensions?.code, 'INVALID', `${query}: ${JSON.stringify(res.body.errors)}`)
      assert.match(res.body.errors[0].message, /NUL/)
    }
    // other control characters are text like any other: a search for them simply finds no one
    const bell = await server.gql(
      'query($s: String) { customersCount(search: $s) }',
      { s: 'ab\u0007\u001b\r\n' },
      staff,
    )
    assert.deepEqual(bell.body, { data: { customersCount: 0 } })
  })

  test('a null the database cannot compare with, or a negative skip, is refused before anything runs; the nulls filters mean are kept', async () => {
    const staff = { token: actors.supportStaff.token }
    const refused: [string, Record<string, unknown>][] = [
      ['query($c: UserWhereUniqueInput) { users(cursor: $c) { id } }', { c: { id: null } }],
      ['query($c: UserWhereUniqueInput!) { user(where: $c) { id } }', { c: { email: null } }],
      ['query($w: UserWhereInput) { users(where: $w) { id } }', { w: { email: null } }],
      ['query($w: UserWhereInput) { usersCount(where: $w) }', { w: { OR: [{ email: { equals: null } }] } }],
      ['query($w: UserWhereInput) { usersCount(where: $w) }', { w: { isActive: { not: null } } }],
      ['query { addressesCount(where: { user: { email: { contains: null } } }) }', {}],
      ['query($s: Int!) { outboxMails(skip: $s) { id } }', { s: -1 }],
      ['query { customers(skip: -5) { id } }', {}],
    ]
    for (const [query, variables] of refused) {
      const res = await server.gql(query, variables, staff)
      assert.equal(res.status, 400, `${query}: ${JSON.stringify(res.body).slice(0, 300)}`)
      assert.equal(res.body.errors?.[0]?.extensions?.code, 'INVALID', `${query}: ${JSON.stringify(res.body.errors)}`)
      assert.match(res.body.errors[0].message, /cannot be (null|negative)/)
    }
    // a to-one relationship's null ("has none") and a nullable column's null still filter
    const kept = await server.gql(
      'query { usersCount(where: { defaultShippingAddress: null, lastLogin: { equals: null } }) }',
      {},
      staff,
    )
    assert.equal(kept.status, 200, JSON.stringify(kept.body))
    assert.equal(typeof kept.body.data.usersCount, 'number')
  })

  test('a filter read by a relationship under a list of users counts once per user', async () => {
    const where = { OR: Array.from({ length: 10 }, (_, i) => ({ city: { contains: `c${i}` } })) }
    const res = await server.gql(
      'query($w: AddressWhereInput!) { users(take: 100) { id addresses(where: $w) { id } } }',
      { w: where },
      { token: actors.superuser.token },
    )
    refusal(res, 'requestFilterValues')
  })

  test('a bulk mutation of more than a hundred items is refused whole: nothing is written', async () => {
    const before = await server.context.prisma.customerGroup.count()
    const data = Array.from({ length: 101 }, (_, i) => ({ name: `bulk-group-${i}-${Date.now()}` }))
    const res = await server.gql(
      'mutation($d: [CustomerGroupCreateInput!]!) { createCustomerGroups(data: $d) { id } }',
      { d: data },
      { token: actors.superuser.token },
    )
    refusal(res, 'listItems')
    assert.equal(await server.context.prisma.customerGroup.count(), before)
  })

  test("the Admin UI's list page, item page, relationship picker and bulk delete pass", async () => {
    // given: what Keystone's Admin UI sends (ListPage, ItemPage, the relationship select), at its largest page
    const group = await makeCustomerGroup(server.context)
    const customer = await makeCustomer(server.context, { customerGroups: { connect: [{ id: group.id }] } })
    await makeAddress(server.context, customer.id)
    const list = `query ($where: UserWhereInput, $take: Int!, $skip: Int!, $orderBy: [UserOrderByInput!]) {
      items: users(where: $where, take: $take, skip: $skip, orderBy: $orderBy) {
        id email firstName lastName isStaff isActive
        customerGroups { id label: name }
        permissionGroups { id label: name }
        addressesCount eventsCount
      }
      count: usersCount(where: $where)
    }`
    // Keystone offers `mode` on PostgreSQL only
    const insensitive = server.database === 'postgresql' ? { mode: 'insensitive' } : {}
    const search = ['email', 'firstName', 'lastName', 'name', 'phone'].map(field => ({
      [field]: { contains: 'customer', ...insensitive },
    }))
    const where = {
      AND: [
        { isStaff: { equals: false } },
        { customerGroups: { some: { id: { in: [group.id] } } } },
        { dateJoined: { gt: '2020-01-01T00:00:00.000Z' } },
        { OR: search },
      ],
    }
    // when
    const page = await server.gql(
      list,
      { where, take: 100, skip: 0, orderBy: [{ email: 'asc' }] },
      { token: actors.superuser.token },
    )
    const item = await server.gql(
      `query KsFetchItem ($listKey: String!, $id: ID!) {
        keystone { adminMeta { list(key: $listKey, itemId: $id) {
          fields { key itemView { fieldMode fieldPosition isRequired } }
          actions { key itemView { actionMode } }
        } } }
        item: user(where: { id: $id }) {
          id email firstName lastName isStaff isActive isConfirmed metadata privateMetadata
          customerGroups { id label: name } permissionGroups { id label: name }
          defaultShippingAddress { id label: city } defaultBillingAddress { id label: city }
          addressesCount eventsCount
        }
      }`,
      { listKey: 'User', id: customer.id },
      { token: actors.superuser.token },
    )
    const table = await server.gql(
      `query ($where: AddressWhereInput, $take: Int!, $skip: Int!, $orderBy: [AddressOrderByInput!]) {
        items: addresses(where: $where, take: $take, skip: $skip, orderBy: $orderBy) { id firstName lastName streetAddress1 city postalCode country }
        count: addressesCount(where: $where)
      }`,
      { where: { user: { id: { equals: customer.id } } }, take: 100, skip: 0, orderBy: [] },
      { token: actors.superuser.token },
    )
    const picker = await server.gql(
      `query ($where: CustomerGroupWhereInput!, $take: Int!, $skip: Int!) {
        items: customerGroups(where: $where, take: $take, skip: $skip) { id label: name }
        count: customerGroupsCount(where: $where)
      }`,
      { where: { OR: [{ name: { contains: 'cust' } }] }, take: 10, skip: 0 },
      { token: actors.superuser.token },
    )
    const bulkDelete = await server.gql(
      'mutation($where: [AddressWhereUniqueInput!]!) { results: deleteAddresses(where: $where) { id } }',
      { where: Array.from({ length: 100 }, (_, i) => ({ id: `missing-${i}` })) },
      { token: actors.superuser.token },
    )
    // then
    for (const res of [page, item, table, picker]) assert.equal(res.status, 200, JSON.stringify(res.body.errors))
    for (const res of [page, item, table, picker])
      assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors))
    assert.equal(page.body.data.count, 1)
    assert.equal(page.body.data.items[0].customerGroups[0].id, group.id)
    assert.equal(item.body.data.item.addressesCount, 1)
    assert.notEqual(bulkDelete.body.errors?.[0]?.extensions?.code, 'REQUEST_TOO_LARGE')
  })

  test('the storefront flows pass: a customer reads its account and book, and signs in', async () => {
    const me = await server.gql(
      `{ me { id email firstName addresses { id city country } defaultShippingAddress { id } defaultBillingAddress { id }
              customerGroups { id name } metadata } }`,
      {},
      { token: customerToken },
    )
    assert.equal(me.status, 200, JSON.stringify(me.body.errors))
    assert.equal(me.body.data.me.addresses.length, 1)
    const signIn = await server.gql(
      'mutation($email: String!, $password: String!) { tokenCreate(email: $email, password: $password) { token errors { code } } }',
      { email: actors.customer.email, password: 'correct horse battery staple' },
    )
    assert.equal(signIn.status, 200)
    assert.ok(signIn.body.data.tokenCreate.token)
  })
})

describe('rows: calibrated on what the lists can hold', () => {
  test("a staff page of 100 users with their addresses and groups is answered (the probe's false refusal)", async () => {
    const res = await server.gql(
      '{ users(take: 100) { email addresses { id } customerGroups { id } } }',
      {},
      { token: actors.superuser.token },
    )
    assert.equal(res.status, 200, JSON.stringify(res.body.errors))
    assert.equal(res.body.errors, undefined)
  })

  test('with permission groups too, and with the same page through variables', async () => {
    const res = await server.gql(
      'query($t: Int!) { users(take: $t) { email addresses { id city } customerGroups { id name } permissionGroups { id name } } }',
      { t: 100 },
      { token: actors.superuser.token },
    )
    assert.equal(res.status, 200, JSON.stringify(res.body.errors))
  })

  test('nested lists multiplied are still refused, through the groups too', async () => {
    for (const query of [
      '{ users(take: 100) { addresses { user { addresses { id } } } } }',
      '{ users(take: 100) { customerGroups { users(take: 100) { id } } } }',
      'query($t: Int!) { users(take: $t) { permissionGroups { users { email } } } }',
    ]) {
      const res = await server.gql(query, { t: 100 }, { token: actors.superuser.token })
      refusal(res, 'rows')
    }
  })
})

describe('one item that hashes a password or sends a mail per request, bulk items counted one by one', () => {
  test('a bulk sendPasswordResetUsers of two items is refused whole: no mail', async () => {
    const customers = await Promise.all([1, 2].map(() => makeCustomer(server.context)))
    const mailsBefore = await server.context.prisma.outboxMail.count()
    const res = await server.gql(
      'mutation($d: [SendPasswordResetUserArgs!]!) { sendPasswordResetUsers(data: $d) { id } }',
      { d: customers.map(c => ({ where: { id: c.id } })) },
      { token: actors.superuser.token },
    )
    refusal(res, 'costlyItems')
    assert.equal(await server.context.prisma.outboxMail.count(), mailsBefore)
  })

  test('nine hundred items are refused', async () => {
    const res = await server.gql(
      'mutation($d: [SendPasswordResetUserArgs!]!) { sendPasswordResetUsers(data: $d) { id } }',
      { d: Array.from({ length: 900 }, (_, i) => ({ where: { id: `id-${i}` } })) },
      { token: actors.superuser.token },
    )
    refusal(res)
  })

  test('bulk createUsers with two passwords is refused before any hash: no user', async () => {
    const emails = [1, 2].map(i => `bulk-${i}-${Date.now()}@example.com`)
    const res = await server.gql(
      'mutation($d: [UserCreateInput!]!) { createUsers(data: $d) { id } }',
      { d: emails.map(email => ({ email, password: 'a long enough passphrase' })) },
      { token: actors.superuser.token },
    )
    refusal(res, 'costlyItems')
    assert.equal(await server.context.prisma.user.count({ where: { email: { in: emails } } }), 0)
  })

  test('passwords in updateUsers items and in a nested create count too', async () => {
    const customers = await Promise.all([1, 2].map(() => makeCustomer(server.context)))
    const update = await server.gql(
      'mutation($d: [UserUpdateArgs!]!) { updateUsers(data: $d) { id } }',
      { d: customers.map(c => ({ where: { id: c.id }, data: { password: 'another long passphrase' } })) },
      { token: actors.superuser.token },
    )
    refusal(update, 'costlyItems')
    const email = `nested-${Date.now()}@example.com`
    const nested = await server.gql(
      `mutation($d: CustomerGroupCreateInput!) { createCustomerGroup(data: $d) { id } tokenCreate(email: "x@example.com", password: "y") { token } }`,
      { d: { name: `nested-${Date.now()}`, users: { create: [{ email, password: 'a long enough passphrase' }] } } },
      { token: actors.superuser.token },
    )
    refusal(nested, 'costlyItems')
    assert.equal(await server.context.prisma.user.count({ where: { email } }), 0)
  })

  test('one password in one createUser, and a bulk create without passwords, pass', async () => {
    const one = await server.gql(
      'mutation($d: UserCreateInput!) { createUser(data: $d) { id } }',
      { d: { email: `single-${Date.now()}@example.com`, password: 'a long enough passphrase' } },
      { token: actors.superuser.token },
    )
    assert.equal(one.status, 200, JSON.stringify(one.body.errors))
    assert.equal(one.body.errors, undefined, JSON.stringify(one.body.errors))
    const many = await server.gql(
      'mutation($d: [UserCreateInput!]!) { createUsers(data: $d) { id } }',
      { d: Array.from({ length: 20 }, (_, i) => ({ email: `many-${i}-${Date.now()}@example.com` })) },
      { token: actors.superuser.token },
    )
    assert.equal(many.body.errors, undefined, JSON.stringify(many.body.errors))
    assert.equal(many.body.data.createUsers.length, 20)
  })
})

// Hold a row lock on `userId` from another PostgreSQL connection, as another writer would, until release().
async function holdRowLock(target: TestServer, userId: string): Promise<() => Promise<void>> {
  const client = new pg.Client({ connectionString: target.databaseUrl })
  await client.connect()
  await client.query('BEGIN')
  await client.query('SELECT 1 FROM "User" WHERE id = $1 FOR UPDATE', [userId])
  return async () => {
    await client.query('ROLLBACK')
    await client.end()
  }
}

describe('the time budget stops the work, and nothing of a cut change commits', () => {
  // far below what a hundred updates take, above what reading the session takes on a loaded machine
  const BUDGET_MS = 300
  let slow: TestServer
  let token: string

  before(async () => {
    slow = await startServer({ env: { REQUEST_TIME_BUDGET_MS: String(BUDGET_MS) } })
    token = await tokenFor(slow.context, (await makeSuperuser(slow.context)).id)
  })
  after(async () => {
    await slow?.stop()
  })

  function assertStopped(res: { body: any }, field: string) {
    const errors = res.body.errors ?? []
    assert.equal(res.body.data?.[field] ?? null, null, JSON.stringify(res.body))
    assert.ok(errors.length > 0)
    assert.ok(
      errors.every((e: any) => e.extensions?.code === 'REQUEST_TIMEOUT'),
      JSON.stringify(errors),
    )
    assert.doesNotMatch(JSON.stringify(res.body), /prisma|Transaction API|invocation|canceling statement|abandoned/i)
  }

  test('a bulk update of a hundred users that outlasts the budget answers REQUEST_TIMEOUT and changes none of them', async () => {
    // given
    const users = await Promise.all(
      Array.from({ length: 100 }, () => makeCustomer(slow.context, { firstName: 'Before', password: null })),
    )
    // making the users kept this process busy past the server's keep-alive: a request on the
    // stale connection may find it closed, and drops it
    await slow.gql('{ __typename }').catch(() => undefined)
    // when
    const res = await slow.gql(
      'mutation($d: [UserUpdateArgs!]!) { updateUsers(data: $d) { id firstName } }',
      { d: users.map(u => ({ where: { id: u.id }, data: { firstName: 'After' } })) },
      { token },
    )
    // then: not one of them committed, and no item is answered as an error of its own after a commit
    assertStopped(res, 'updateUsers')
    const after = await slow.context.prisma.user.count({
      where: { id: { in: users.map(u => u.id) }, firstName: 'After' },
    })
    assert.equal(after, 0)
  })

  test(
    'PostgreSQL: a statement waiting on a lock is cancelled at the budget, and the bulk update commits nothing',
    { skip: databaseSkipReason('postgresql') },
    async t => {
      if (slow.database !== 'postgresql') return t.skip('the run is on SQLite')
      // given: the second item's row is locked by another writer
      const first = await makeCustomer(slow.context, { firstName: 'Before' })
      const second = await makeCustomer(slow.context, { firstName: 'Before' })
      const release = await holdRowLock(slow, second.id)
      // when: the lock is let go only once the request is answered, so an answer means the budget cut it
      const res = await slow.gql(
        'mutation($d: [UserUpdateArgs!]!) { updateUsers(data: $d) { id firstName } }',
        {
          d: [
            { where: { id: first.id }, data: { firstName: 'After' } },
            { where: { id: second.id }, data: { firstName: 'After' } },
          ],
        },
        { token },
      )
      await release()
      // then: answered at the budget, not when the lock went
      assertStopped(res, 'updateUsers')
      const names = await slow.context.prisma.user.findMany({
        where: { id: { in: [first.id, second.id] } },
        select: { firstName: true },
      })
      assert.deepEqual(
        names.map(u => u.firstName),
        ['Before', 'Before'],
      )
    },
  )

  test(
    'PostgreSQL: a custom mutation held past its budget answers REQUEST_TIMEOUT and changes nothing',
    { skip: databaseSkipReason('postgresql') },
    async t => {
      if (slow.database !== 'postgresql') return t.skip('the run is on SQLite')
      const customer = await makeCustomer(slow.context, { firstName: 'Before', lastName: 'Before' })
      const release = await holdRowLock(slow, customer.id)
      const res = await slow.gql(
        'mutation($id: ID!) { customerUpdate(id: $id, input: { firstName: "After", lastName: "After" }) { errors { code } user { id } } }',
        { id: customer.id },
        { token },
      )
      await release()
      assertStopped(res, 'customerUpdate')
      const user = await slow.context.prisma.user.findUnique({ where: { id: customer.id } })
      assert.equal(user?.firstName, 'Before')
      assert.equal(user?.lastName, 'Before')
    },
  )
})

describe("the delivery workers a request kicks are not bound by that request's budget", () => {
  // an SMTP server slower over each mail than a request may run; the request itself fits easily
  const BUDGET_MS = 5000
  let slow: TestServer
  let token: string
  let smtp: SMTPServer
  const received: string[] = []

  before(async () => {
    const port = await freePort()
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onData(stream, session, callback) {
        stream.resume()
        stream.on('end', () =>
          setTimeout(() => {
            received.push(...session.envelope.rcptTo.map(r => r.address.toLowerCase()))
            callback()
          }, BUDGET_MS + 1000),
        )
      },
    })
    await new Promise<void>(resolve => smtp.listen(port, '127.0.0.1', () => resolve()))
    slow = await startServer({
      env: { REQUEST_TIME_BUDGET_MS: String(BUDGET_MS), SMTP_URL: `smtp://127.0.0.1:${port}` },
    })
    token = await tokenFor(slow.context, (await makeSuperuser(slow.context)).id)
  })
  after(async () => {
    await slow?.stop()
    await new Promise<void>(resolve => (smtp ? smtp.close(() => resolve()) : resolve()))
  })

  test("a mail a request queued is sent and recorded once, though sending outlasts that request's budget", async () => {
    // given
    const customer = await makeCustomer(slow.context)
    await slow.gql('{ __typename }').catch(() => undefined)
    // when: the request kicks the outbox, whose run takes longer than the request may
    const res = await slow.gql(
      'mutation($id: ID!) { sendPasswordResetUser(where: { id: $id }) { id } }',
      { id: customer.id },
      { token },
    )
    assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors))
    // then: the worker's run is its own, not cut at the request's deadline
    const deadline = Date.now() + 45_000
    let mail
    while (Date.now() < deadline) {
      mail = await slow.context.prisma.outboxMail.findFirst({ where: { to: customer.email } })
      if (mail?.status === 'sent') break
      await new Promise(resolve => setTimeout(resolve, 200))
    }
    assert.equal(mail?.status, 'sent')
    assert.equal(mail?.attempts, 1)
    assert.deepEqual(
      received.filter(to => to === customer.email),
      [customer.email],
    )
    assert.doesNotMatch(slow.output(), /delivery run failed/)
  })
})
