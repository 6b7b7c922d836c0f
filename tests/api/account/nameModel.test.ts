// One name model (services/users/names.ts nameToStore) across the API: `name` is the full name,
// the one the user gave (Openfront's updateActiveUser, the Admin UI) or its first and last name
// joined (Saleor's accountRegister and accountUpdate, staff, the generated API). A later change of
// the first or last name updates a joined name and never a given one; giving an empty name goes
// back to the joined one. Search finds the full name.
import '../../helpers/env'
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, type TestServer } from '../../helpers/server'
import { tokenFor } from '../../helpers/actors'
import { makeCustomer, makeStaff, makeSuperuser } from '../../helpers/factories'
import { createTestDatabase } from '../../helpers/database'

const REGISTER = `mutation($input: AccountRegisterInput!) { accountRegister(input: $input) { errors { field code } } }`
const ACCOUNT_UPDATE =
  'mutation($input: AccountInput!) { accountUpdate(input: $input) { user { firstName lastName name } errors { field code } } }'
const UPDATE_ACTIVE_USER =
  'mutation($data: UserUpdateProfileInput!) { updateActiveUser(data: $data) { firstName lastName name } }'
const NAMES_EVERYWHERE = `query($id: ID!) {
  me { name }
  authenticatedItem { ... on User { name } }
  user(where: { id: $id }) { name }
}`

let server: TestServer

before(async () => {
  server = await startServer()
})
after(async () => {
  await server?.stop()
})

async function nameOf(id: string): Promise<string> {
  return (await server.context.prisma.user.findUniqueOrThrow({ where: { id } })).name
}

test('a customer who registers with a first and last name only has them as its full name everywhere', async () => {
  // given
  const email = 'anna.registers@example.com'
  const registered = await server.gql(REGISTER, {
    input: {
      email,
      password: 'a long enough passphrase',
      firstName: ' Anna ',
      lastName: 'Nowak',
      redirectUrl: 'http://localhost:3001/confirm',
    },
  })
  assert.deepEqual(registered.body.data.accountRegister.errors, [])
  const user = await server.context.prisma.user.findUniqueOrThrow({ where: { email } })
  // when
  const res = await server.gql(NAMES_EVERYWHERE, { id: user.id }, { token: await tokenFor(server.context, user.id) })
  // then: Saleor's me, Openfront's authenticatedItem and the generated user
  assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors))
  assert.deepEqual(res.body.data, {
    me: { name: 'Anna Nowak' },
    authenticatedItem: { name: 'Anna Nowak' },
    user: { name: 'Anna Nowak' },
  })
  // and a support agent's search finds the full name
  const agent = await makeStaff(server.context, ['MANAGE_USERS'])
  const found = await server.gql(
    'query($s: String) { customers(search: $s) { email name } }',
    { s: 'anna nowak' },
    { token: await tokenFor(server.context, agent.id) },
  )
  assert.deepEqual(found.body.data.customers, [{ email, name: 'Anna Nowak' }])
})

test("Openfront's name input is the full name, and a later first name change keeps it", async () => {
  // given
  const customer = await makeCustomer(server.context, { firstName: 'Anna', lastName: 'Nowak' })
  const token = await tokenFor(server.context, customer.id)
  // when
  const given = await server.gql(UPDATE_ACTIVE_USER, { data: { name: ' Ania Nowak-Kowalska ' } }, { token })
  const renamed = await server.gql(ACCOUNT_UPDATE, { input: { firstName: 'Joanna' } }, { token })
  // then
  assert.deepEqual(given.body.data.updateActiveUser, {
    firstName: 'Anna',
    lastName: 'Nowak',
    name: 'Ania Nowak-Kowalska',
  })
  assert.deepEqual(renamed.body.data.accountUpdate, {
    user: { firstName: 'Joanna', lastName: 'Nowak', name: 'Ania Nowak-Kowalska' },
    errors: [],
  })
})

test("Saleor's firstName and lastName inputs update a joined full name", async () => {
  // given: a name nobody gave, made of the first and last name
  const customer = await makeCustomer(server.context, { firstName: 'Anna', lastName: 'Nowak' })
  assert.equal(await nameOf(customer.id), 'Anna Nowak')
  const token = await tokenFor(server.context, customer.id)
  // when
  const res = await server.gql(ACCOUNT_UPDATE, { input: { firstName: 'Joanna', lastName: 'Kowalska' } }, { token })
  // then
  assert.deepEqual(res.body.data.accountUpdate.user, {
    firstName: 'Joanna',
    lastName: 'Kowalska',
    name: 'Joanna Kowalska',
  })
})

test('an empty name given goes back to the first and last name joined, and follows them again', async () => {
  // given
  const customer = await makeCustomer(server.context, { firstName: 'Anna', lastName: 'Nowak', name: 'Ania' })
  assert.equal(await nameOf(customer.id), 'Ania')
  const token = await tokenFor(server.context, customer.id)
  // when
  const cleared = await server.gql(UPDATE_ACTIVE_USER, { data: { name: '' } }, { token })
  await server.gql(ACCOUNT_UPDATE, { input: { lastName: 'Kowalska' } }, { token })
  // then
  assert.equal(cleared.body.data.updateActiveUser.name, 'Anna Nowak')
  assert.equal(await nameOf(customer.id), 'Anna Kowalska')
})

test('the generated API and staff follow the same model: a joined name follows, a given one stays', async () => {
  // given
  const superuser = await makeSuperuser(server.context)
  const token = await tokenFor(server.context, superuser.id)
  const created = await server.gql(
    'mutation { createUser(data: { email: "generated-names@example.com", firstName: "Jan", lastName: "Kowalski" }) { id name } }',
    {},
    { token },
  )
  const id = created.body.data.createUser.id
  assert.equal(created.body.data.createUser.name, 'Jan Kowalski')
  // when: staff change the last name through Saleor's customerUpdate, then give a name in the generated API
  const updated = await server.gql(
    'mutation($id: ID!) { customerUpdate(id: $id, input: { lastName: "Nowak" }) { errors { field code } } }',
    { id },
    { token },
  )
  assert.deepEqual(updated.body.data.customerUpdate.errors, [])
  const afterLastName = await nameOf(id)
  await server.gql(
    'mutation($id: ID!) { updateUser(where: { id: $id }, data: { name: "Johnny K." }) { id } }',
    { id },
    { token },
  )
  await server.gql(
    'mutation($id: ID!) { updateUser(where: { id: $id }, data: { firstName: "Janek" }) { id } }',
    { id },
    { token },
  )
  // then
  assert.equal(afterLastName, 'Jan Nowak')
  assert.equal(await nameOf(id), 'Johnny K.')
})

test('accounts stored before the name model with an empty name get their first and last name at the next start, and are found by it', async () => {
  // given a database whose customers have an empty name beside their first and last name, as before
  const { databaseUrl, drop } = await createTestDatabase()
  let first: TestServer | undefined
  let second: TestServer | undefined
  try {
    first = await startServer({ databaseUrl })
    const legacy = await makeCustomer(first.context, { firstName: 'Zofia', lastName: 'Legacka' })
    await first.context.prisma.$executeRaw`UPDATE "User" SET "name" = '' WHERE "id" = ${legacy.id}`
    const given = await makeCustomer(first.context, { firstName: 'Jan', lastName: 'Nowak', name: 'Johnny' })
    await first.stop()
    first = undefined

    // when the server starts again
    second = await startServer({ databaseUrl })

    // then the empty name reads as the full name, a given one is untouched, and search finds the full name
    const rows = await second.context.prisma.user.findMany({ where: { id: { in: [legacy.id, given.id] } } })
    assert.equal(rows.find(row => row.id === legacy.id)!.name, 'Zofia Legacka')
    assert.equal(rows.find(row => row.id === given.id)!.name, 'Johnny')
    const staff = await tokenFor(second.context, (await makeStaff(second.context, ['MANAGE_USERS'])).id)
    const found = await second.gql(
      'query($s: String) { customers(search: $s) { id } }',
      { s: 'zofia legacka' },
      { token: staff },
    )
    assert.deepEqual(found.body.data.customers, [{ id: legacy.id }])
    assert.ok(second.output().includes('empty names filled'), 'the start says how many it filled')
  } finally {
    await first?.stop()
    await second?.stop()
    await drop()
  }
})
