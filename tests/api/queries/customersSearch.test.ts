// customers(search) / staffUsers(search) and their counts through the search indexes (a pg_trgm
// GIN index on PostgreSQL, the FTS5 trigram table on SQLite), on every database: what a term
// finds, that every write path keeps the index current, that each list keeps to its side of
// isStaff, and cursor pages.
import '../../helpers/env'
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { TEST_DATABASES, databaseSkipReason, startServer, type TestServer } from '../../helpers/server'
import { tokenFor } from '../../helpers/actors'
import { makeAddress, makeCustomer, makeStaff } from '../../helpers/factories'

const CUSTOMERS =
  'query($s: String) { customers(search: $s, orderBy: [{ email: asc }]) { id } customersCount(search: $s) }'
const STAFF_USERS =
  'query($s: String) { staffUsers(search: $s, orderBy: [{ email: asc }]) { id } staffUsersCount(search: $s) }'
const PAGE =
  'query($s: String, $take: Int, $skip: Int, $cursor: UserWhereUniqueInput, $orderBy: [UserOrderByInput!]) ' +
  '{ customers(search: $s, take: $take, skip: $skip, cursor: $cursor, orderBy: $orderBy) { id email } }'
const UPDATE_USER = 'mutation($id: ID!, $data: UserUpdateInput!) { updateUser(where: { id: $id }, data: $data) { id } }'
const CREATE_ADDRESS = 'mutation($data: AddressCreateInput!) { createAddress(data: $data) { id } }'
const DELETE_USER = 'mutation($id: ID!) { deleteUser(where: { id: $id }) { id } }'

for (const database of TEST_DATABASES) {
  describe(`on ${database}`, { skip: databaseSkipReason(database) }, () => {
    let server: TestServer
    let support: string
    let staffManager: string
    const ids: Record<string, string> = {}

    const search = async (term: string, token = support, query = CUSTOMERS) => {
      const res = await server.gql(query, { s: term }, { token })
      assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors))
      const data = res.body.data
      return {
        ids: (data.customers ?? data.staffUsers).map((u: { id: string }) => u.id),
        count: data.customersCount ?? data.staffUsersCount,
      }
    }

    before(async () => {
      server = await startServer({ database })
      const c = server.context
      const ada = await makeCustomer(c, {
        email: 'ada.lovelace@example.com',
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
      const staff = await makeStaff(c, ['MANAGE_PRODUCTS'], { email: 'ada.staff@example.com', lastName: 'Lovelace' })
      for (const n of [1, 2, 3, 4, 5])
        ids[`pager${n}`] = String(
          (await makeCustomer(c, { email: `pager${n}@example.com`, lastName: 'Pagewright' })).id,
        )
      Object.assign(ids, { ada: String(ada.id), grace: String(grace.id), staff: String(staff.id) })
      support = await tokenFor(c, String((await makeStaff(c, ['MANAGE_USERS'])).id))
      staffManager = await tokenFor(c, String((await makeStaff(c, ['MANAGE_STAFF'])).id))
    })

    after(async () => {
      await server?.stop()
    })

    for (const [label, term, expected] of [
      ['a full email', 'ada.lovelace@example.com', ['ada']],
      ['a surname', 'lovelace', ['ada']],
      ['a phone number', '+442079460958', ['ada']],
      ['the city of an address', 'arlington', ['grace']],
      ['a surname in another case', 'HoPPer', ['grace']],
    ] as const) {
      test(`customers(search) finds a customer by ${label}, and customersCount agrees`, async () => {
        // given the customers above

        // when
        const found = await search(term)

        // then
        assert.deepEqual(
          found.ids,
          expected.map(name => ids[name]),
        )
        assert.equal(found.count, expected.length)
      })
    }

    test('customers(search) finds nothing for a term nobody has, and customersCount says 0', async () => {
      // given the customers above

      // when
      const found = await search('zyxwvut')

      // then
      assert.deepEqual(found, { ids: [], count: 0 })
    })

    test('a search term of fewer than 3 characters is refused with INVALID', async () => {
      // given the customers above

      // when
      const res = await server.gql(CUSTOMERS, { s: ' a ' }, { token: support })

      // then
      assert.equal(res.body.errors?.[0]?.extensions?.code, 'INVALID')
      assert.equal(res.body.errors?.[0]?.extensions?.field, 'search')
    })

    test('staff are never in customers(search), and customers never in staffUsers(search)', async () => {
      // given a customer and a staff member who share the surname Lovelace

      // when
      const customers = await search('lovelace', support, CUSTOMERS)
      const staff = await search('lovelace', staffManager, STAFF_USERS)

      // then
      assert.deepEqual(customers, { ids: [ids.ada], count: 1 })
      assert.deepEqual(staff, { ids: [ids.staff], count: 1 })
    })

    test('a customer renamed through the generated updateUser is found by the new name and no longer by the old one', async () => {
      // given
      const customer = await makeCustomer(server.context, { lastName: 'Oldsurname' })
      assert.equal((await search('oldsurname')).count, 1)

      // when
      const res = await server.gql(
        UPDATE_USER,
        { id: customer.id, data: { lastName: 'Newsurname' } },
        { token: support },
      )

      // then
      assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors))
      assert.deepEqual(await search('newsurname'), { ids: [String(customer.id)], count: 1 })
      assert.deepEqual(await search('oldsurname'), { ids: [], count: 0 })
    })

    test('an address added through the generated createAddress makes its city find the customer', async () => {
      // given
      const customer = await makeCustomer(server.context)
      assert.equal((await search('kalamazoo')).count, 0)

      // when
      const res = await server.gql(
        CREATE_ADDRESS,
        {
          data: {
            user: { connect: { id: customer.id } },
            firstName: 'Casey',
            lastName: 'Customer',
            streetAddress1: '1 Main St',
            city: 'Kalamazoo',
            postalCode: '49007',
            countryArea: 'MI',
            country: 'US',
          },
        },
        { token: support },
      )

      // then
      assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors))
      assert.deepEqual(await search('kalamazoo'), { ids: [String(customer.id)], count: 1 })
    })

    test('a customer deleted through the generated deleteUser is no longer found', async () => {
      // given
      const customer = await makeCustomer(server.context, { lastName: 'Shortlived' })
      assert.equal((await search('shortlived')).count, 1)

      // when
      const res = await server.gql(DELETE_USER, { id: customer.id }, { token: support })

      // then
      assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors))
      assert.deepEqual(await search('shortlived'), { ids: [], count: 0 })
    })

    for (const orderBy of [[{ dateJoined: 'desc' }], [{ email: 'asc' }]]) {
      test(`a cursor page after the first gives the next page in order (${JSON.stringify(orderBy)})`, async () => {
        // given the five Pagewright customers, all in one ordered list
        const all = await server.gql(PAGE, { s: 'pagewright', take: 10, orderBy }, { token: support })
        const everyone = all.body.data.customers.map((u: { id: string }) => u.id)
        assert.equal(everyone.length, 5)
        const first = await server.gql(PAGE, { s: 'pagewright', take: 2, orderBy }, { token: support })
        const last = first.body.data.customers.at(-1).id

        // when
        const next = await server.gql(
          PAGE,
          { s: 'pagewright', take: 2, skip: 1, cursor: { id: last }, orderBy },
          { token: support },
        )

        // then
        assert.equal(next.body.errors, undefined, JSON.stringify(next.body.errors))
        assert.deepEqual(
          first.body.data.customers.map((u: { id: string }) => u.id),
          everyone.slice(0, 2),
        )
        assert.deepEqual(
          next.body.data.customers.map((u: { id: string }) => u.id),
          everyone.slice(2, 4),
        )
      })
    }

    test('a cursor naming a user the caller cannot read gives an empty page', async () => {
      // given a staff member, whom MANAGE_USERS staff cannot read

      // when
      const res = await server.gql(PAGE, { take: 2, cursor: { id: ids.staff } }, { token: support })

      // then
      assert.deepEqual(res.body, { data: { customers: [] } })
    })
  })
}
