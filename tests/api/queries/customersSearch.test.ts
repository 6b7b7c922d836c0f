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

    describe('digit terms: phone and postal-code fragments as a support agent types them', () => {
      const digitIds: Record<string, string> = {}

      before(async () => {
        const c = server.context
        const jan = await makeCustomer(c, {
          email: 'jan.digits@example.com',
          lastName: 'Digitowski',
          phone: '+48601234567',
        })
        await makeAddress(c, String(jan.id), {
          streetAddress1: 'ul. Długa 5',
          city: 'Warszawa',
          postalCode: '00-950',
          countryArea: '',
          country: 'PL',
        })
        // a phone with 009 in it, and a postal code with 00 and 9 apart: neither is "00-9"
        const near = await makeCustomer(c, { email: 'near.digits@example.com', phone: '+48600912345' })
        await makeAddress(c, String(near.id), {
          streetAddress1: 'ul. Polna 9',
          city: 'Warszawa',
          postalCode: '02-900',
          countryArea: '',
          country: 'PL',
        })
        Object.assign(digitIds, { jan: String(jan.id), near: String(near.id) })
      })

      test('a digit term pages newest first: take and skip give the rows in order, on every database', async () => {
        // given three customers with the same postal code, joined one after another
        const joined: string[] = []
        for (const n of [1, 2, 3]) {
          const customer = await makeCustomer(server.context, { email: `pagedigits${n}@example.com` })
          await makeAddress(server.context, String(customer.id), {
            city: 'Kraków',
            postalCode: '31-987',
            countryArea: '',
            country: 'PL',
          })
          joined.push(String(customer.id))
          await new Promise(resolve => setTimeout(resolve, 5))
        }
        const page = async (variables: Record<string, unknown>) => {
          const res = await server.gql(PAGE, { s: '31-98', ...variables }, { token: support })
          assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors))
          return res.body.data.customers.map((u: { id: string }) => u.id)
        }

        // when
        const first = await page({ take: 2 })
        const second = await page({ take: 2, skip: 2 })
        const byEmail = await page({ take: 2, orderBy: [{ email: 'asc' }] })

        // then
        assert.deepEqual(first, [joined[2], joined[1]])
        assert.deepEqual(second, [joined[0]])
        assert.deepEqual(byEmail, [joined[0], joined[1]])
      })

      for (const [label, term, expected] of [
        ['a postal-code fragment with its dash', '00-9', ['jan']],
        ['a whole postal code', '00-950', ['jan']],
        ['phone digits with spaces', '601 234 567', ['jan']],
        ['phone digits with dashes and the country code', '+48 601-234', ['jan']],
        ['phone digits in brackets and dots', '(601) 234.567', ['jan']],
        ['a phone with 00 for +', '0048 601 234 567', ['jan']],
        ['the national form of a UK number, with its trunk 0', '020 7946 0958', ['ada']],
        ['the digits of a phone as stored', '4860091', ['near']],
      ] as const) {
        test(`customers(search) finds a customer by ${label} ("${term}"), and customersCount agrees`, async () => {
          // given the customers above

          // when
          const found = await search(term)

          // then
          const names = { ...ids, ...digitIds }
          assert.deepEqual(found, { ids: expected.map(name => names[name]), count: expected.length })
        })
      }
    })

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

    // Every path that can change a customer's search document, each one black-box: after the
    // write, customers(search:) finds the customer by the new text, and no longer by the old.
    // `given` is a customer with its own words (a surname and an address's city), a customer
    // token and that address; each path writes a new word (and so loses an old one).
    describe('the search document follows every write path', () => {
      type Given = { id: string; token: string; addressId: string; old: { surname: string; city: string } }
      type Path = {
        path: string
        write: (given: Given, word: string) => Promise<{ body: { data?: any; errors?: unknown } }>
        // the old word the write takes out of the document, if any
        loses?: keyof Given['old']
        // a delete writes no new word
        writesNothing?: true
        // the user the new word finds: the given customer, or a new one the write names
        found?: (data: any) => string
      }
      const ADDRESS = { streetAddress1: '1 Main St', postalCode: '49007', countryArea: 'MI', country: 'US' }
      const USER = 'user { id }'
      const PAYLOAD = `{ ${USER} errors { field code message } }`
      const paths: Path[] = [
        {
          path: 'the generated createUser',
          write: (_, word) =>
            server.gql(
              'mutation($data: UserCreateInput!) { createUser(data: $data) { id } }',
              { data: { email: `${word}@example.com`, lastName: word } },
              { token: support },
            ),
          found: data => data.createUser.id,
        },
        {
          path: 'the generated updateUser (a surname)',
          write: (given, word) =>
            server.gql(UPDATE_USER, { id: given.id, data: { lastName: word } }, { token: support }),
          loses: 'surname',
        },
        {
          path: 'the generated updateUser (an email)',
          write: (given, word) =>
            server.gql(UPDATE_USER, { id: given.id, data: { email: `${word}@example.com` } }, { token: support }),
        },
        {
          path: 'the generated createAddress',
          write: (given, word) =>
            server.gql(
              CREATE_ADDRESS,
              { data: { user: { connect: { id: given.id } }, ...ADDRESS, city: word } },
              { token: support },
            ),
        },
        {
          path: 'the generated updateAddress',
          write: (given, word) =>
            server.gql(
              'mutation($id: ID!, $data: AddressUpdateInput!) { updateAddress(where: { id: $id }, data: $data) { id } }',
              { id: given.addressId, data: { city: word } },
              { token: support },
            ),
          loses: 'city',
        },
        {
          path: 'the generated deleteAddress',
          write: given =>
            server.gql(
              'mutation($id: ID!) { deleteAddress(where: { id: $id }) { id } }',
              { id: given.addressId },
              { token: support },
            ),
          loses: 'city',
          writesNothing: true,
        },
        {
          path: "Saleor's accountAddressCreate",
          write: (given, word) =>
            server.gql(
              `mutation($input: AddressInput!) { accountAddressCreate(input: $input) ${PAYLOAD} }`,
              { input: { ...ADDRESS, city: word } },
              { token: given.token },
            ),
        },
        {
          path: "Saleor's accountAddressUpdate",
          write: (given, word) =>
            server.gql(
              `mutation($id: ID!, $input: AddressInput!) { accountAddressUpdate(id: $id, input: $input) { errors { field code message } } }`,
              { id: given.addressId, input: { city: word } },
              { token: given.token },
            ),
          loses: 'city',
        },
        {
          path: "Saleor's accountAddressDelete",
          write: given =>
            server.gql(
              `mutation($id: ID!) { accountAddressDelete(id: $id) ${PAYLOAD} }`,
              { id: given.addressId },
              { token: given.token },
            ),
          loses: 'city',
          writesNothing: true,
        },
        {
          path: "Openfront's createActiveUserAddress",
          write: (given, word) =>
            server.gql(
              'mutation($data: AddressCreateInput!) { createActiveUserAddress(data: $data) { id } }',
              { data: { ...ADDRESS, city: word } },
              { token: given.token },
            ),
        },
        {
          path: "Openfront's updateActiveUserAddress",
          write: (given, word) =>
            server.gql(
              'mutation($id: ID!, $data: AddressUpdateInput!) { updateActiveUserAddress(where: { id: $id }, data: $data) { id } }',
              { id: given.addressId, data: { city: word } },
              { token: given.token },
            ),
          loses: 'city',
        },
        {
          path: "Openfront's deleteActiveUserAddress",
          write: given =>
            server.gql(
              'mutation($id: ID!) { deleteActiveUserAddress(where: { id: $id }) { id } }',
              { id: given.addressId },
              { token: given.token },
            ),
          loses: 'city',
          writesNothing: true,
        },
        {
          path: "staff's addressCreate",
          write: (given, word) =>
            server.gql(
              `mutation($userId: ID!, $input: AddressInput!) { addressCreate(userId: $userId, input: $input) ${PAYLOAD} }`,
              { userId: given.id, input: { ...ADDRESS, city: word } },
              { token: support },
            ),
        },
        {
          path: "staff's addressUpdate",
          write: (given, word) =>
            server.gql(
              `mutation($id: ID!, $input: AddressInput!) { addressUpdate(id: $id, input: $input) { errors { field code message } } }`,
              { id: given.addressId, input: { city: word } },
              { token: support },
            ),
          loses: 'city',
        },
        {
          path: "staff's addressDelete",
          write: given =>
            server.gql(
              `mutation($id: ID!) { addressDelete(id: $id) ${PAYLOAD} }`,
              { id: given.addressId },
              { token: support },
            ),
          loses: 'city',
          writesNothing: true,
        },
        {
          path: "Saleor's accountUpdate (a surname)",
          write: (given, word) =>
            server.gql(
              `mutation($input: AccountInput!) { accountUpdate(input: $input) ${PAYLOAD} }`,
              { input: { lastName: word } },
              { token: given.token },
            ),
          loses: 'surname',
        },
        {
          path: "Saleor's accountUpdate (a new default billing address)",
          write: (given, word) =>
            server.gql(
              `mutation($input: AccountInput!) { accountUpdate(input: $input) ${PAYLOAD} }`,
              { input: { defaultBillingAddress: { ...ADDRESS, city: word } } },
              { token: given.token },
            ),
        },
        {
          path: "Openfront's updateActiveUser (a name)",
          write: (given, word) =>
            server.gql(
              'mutation($data: UserUpdateProfileInput!) { updateActiveUser(data: $data) { id } }',
              { data: { name: word } },
              { token: given.token },
            ),
        },
        {
          path: "staff's customerUpdate (a surname)",
          write: (given, word) =>
            server.gql(
              `mutation($id: ID!, $input: CustomerInput!) { customerUpdate(id: $id, input: $input) ${PAYLOAD} }`,
              { id: given.id, input: { lastName: word } },
              { token: support },
            ),
          loses: 'surname',
        },
        {
          path: "staff's customerUpdate (an email)",
          write: (given, word) =>
            server.gql(
              `mutation($id: ID!, $input: CustomerInput!) { customerUpdate(id: $id, input: $input) ${PAYLOAD} }`,
              { id: given.id, input: { email: `${word}@example.com` } },
              { token: support },
            ),
        },
        {
          path: "staff's customerCreate",
          write: (_, word) =>
            server.gql(
              `mutation($input: CustomerInput!) { customerCreate(input: $input) ${PAYLOAD} }`,
              { input: { email: `${word}@example.com`, lastName: word } },
              { token: support },
            ),
          found: data => data.customerCreate.user.id,
        },
      ]

      // a word of its own for each path and role, which no other customer's text contains
      const wordOf = (role: string, index: number) => `${role}x${String.fromCharCode(97 + index)}qz`

      paths.forEach(({ path, write, loses, found, writesNothing }, index) => {
        const finds = writesNothing ? '' : 'finds the new text'
        const drops = loses ? `no longer finds the old ${loses}` : ''
        test(`${path}: customers(search:) ${[finds, drops].filter(Boolean).join(' and ')}`, async () => {
          // given
          const old = { surname: wordOf('sur', index), city: wordOf('cty', index) }
          const customer = await makeCustomer(server.context, { lastName: old.surname })
          const address = await makeAddress(server.context, String(customer.id), { ...ADDRESS, city: old.city })
          const given: Given = {
            id: String(customer.id),
            token: await tokenFor(server.context, String(customer.id)),
            addressId: String(address.id),
            old,
          }
          assert.deepEqual(await search(old.surname), { ids: [given.id], count: 1 })
          assert.deepEqual(await search(old.city), { ids: [given.id], count: 1 })
          const word = wordOf('new', index)

          // when
          const res = await write(given, word)

          // then
          assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors))
          for (const payload of Object.values(res.body.data ?? {}) as { errors?: unknown[] }[])
            assert.deepEqual(payload?.errors ?? [], [])
          const id = found ? found(res.body.data) : given.id
          if (!writesNothing) assert.deepEqual(await search(word), { ids: [id], count: 1 })
          if (loses) assert.deepEqual(await search(old[loses]), { ids: [], count: 0 })
        })
      })

      test('a write through Prisma itself (a script), one by one, in bulk or in a batch, keeps the document or is refused', async () => {
        // given
        const customer = await makeCustomer(server.context)
        const id = String(customer.id)
        const prisma = server.context.prisma
        const [surname, city, refused] = ['scrxaqz', 'scrxbqz', 'scrxcqz']

        // when
        await prisma.user.update({ where: { id }, data: { lastName: surname } })
        await prisma.address.createMany({ data: [{ userId: id, city, country: 'US', metadata: {} }] })

        // then
        assert.deepEqual(await search(surname), { ids: [id], count: 1 })
        assert.deepEqual(await search(city), { ids: [id], count: 1 })

        // when
        await prisma.address.deleteMany({ where: { userId: id } })
        const batch = prisma.$transaction([prisma.user.update({ where: { id }, data: { lastName: refused } })])

        // then
        await assert.rejects(batch, /interactive transaction/)
        assert.deepEqual(await search(city), { ids: [], count: 0 })
        assert.deepEqual(await search(refused), { ids: [], count: 0 })
        assert.deepEqual(await search(surname), { ids: [id], count: 1 })
      })

      test('a name in capitals with an accent is found by its lower case and its own case, as JavaScript folds them', async () => {
        // given
        const customer = await makeCustomer(server.context)

        // when
        const res = await server.gql(
          UPDATE_USER,
          { id: customer.id, data: { firstName: 'ÉLODIE', lastName: 'ŒSTERGÅRD' } },
          { token: support },
        )

        // then
        assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors))
        for (const term of ['élodie', 'ÉLODIE', 'Élodie', 'œstergård', 'ŒSTERGÅRD'])
          assert.deepEqual(await search(term), { ids: [String(customer.id)], count: 1 }, term)
      })
    })

    test('a cursor naming a user the caller cannot read gives an empty page', async () => {
      // given a staff member, whom MANAGE_USERS staff cannot read

      // when
      const res = await server.gql(PAGE, { take: 2, cursor: { id: ids.staff } }, { token: support })

      // then
      assert.deepEqual(res.body, { data: { customers: [] } })
    })
  })
}
