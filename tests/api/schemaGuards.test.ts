// Rules the generated API keeps on every field (server/schemaGuards.ts): a refused write leaves
// nothing behind, a relationship filter reads only rows the caller may read, and an email is
// looked up in any case.
import '../helpers/env'
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, type TestServer } from '../helpers/server'
import { makeActors, type Actors } from '../helpers/actors'
import { makeCustomer, makeStaff } from '../helpers/factories'
import { recordAccountEvent } from '../../services/users/accountEvents'

let server: TestServer
let actors: Actors

before(async () => {
  server = await startServer()
  actors = await makeActors(server.context)
})
after(async () => {
  await server?.stop()
})

const ADDRESS = {
  firstName: 'Mallory',
  lastName: 'Debris',
  streetAddress1: '1 Main St',
  city: 'Springfield',
  postalCode: '62701',
  countryArea: 'IL',
  country: 'US',
}

test('a refused updateUser with a nested address create leaves no address behind', async () => {
  // given
  const customer = await makeCustomer(server.context)
  const before = await server.context.prisma.address.count()
  // when: support sets a default address it creates on the fly; the user's validation refuses it
  const res = await server.gql(
    'mutation($id: ID!, $a: AddressCreateInput!) { updateUser(where: { id: $id }, data: { defaultShippingAddress: { create: $a } }) { id } }',
    { id: customer.id, a: ADDRESS },
    { token: actors.supportStaff.token },
  )
  // then
  // refused by the resolver (an error with a path), not a document the server never ran
  assert.equal(res.body.errors?.[0]?.path?.[0], 'updateUser', JSON.stringify(res.body.errors))
  assert.equal(await server.context.prisma.address.count(), before)
  assert.equal(await server.context.prisma.address.count({ where: { firstName: 'Mallory' } }), 0)
})

test('a bulk generated update with one refused item changes none of them', async () => {
  // given
  const first = await makeCustomer(server.context, { firstName: 'Before' })
  const second = await makeCustomer(server.context, { firstName: 'Before' })
  // when: the second item asks for an email that is not valid
  const res = await server.gql(
    'mutation($d: [UserUpdateArgs!]!) { updateUsers(data: $d) { id } }',
    {
      d: [
        { where: { id: first.id }, data: { firstName: 'After' } },
        { where: { id: second.id }, data: { firstName: 'After', email: 'not an email' } },
      ],
    },
    { token: actors.supportStaff.token },
  )
  // then
  assert.equal(res.body.errors?.[0]?.path?.[0], 'updateUsers', JSON.stringify(res.body.errors))
  const names = await server.context.prisma.user.findMany({
    where: { id: { in: [first.id, second.id] } },
    select: { firstName: true },
  })
  assert.deepEqual(
    names.map(u => u.firstName),
    ['Before', 'Before'],
  )
})

test("customer support cannot guess a staff actor's email or superuser flag through an event filter", async () => {
  // given: a superuser acted on a customer; support reads the event but not its staff actor
  const customer = await makeCustomer(server.context)
  const admin = await makeStaff(server.context, [], { isSuperuser: true, email: 'admin-hidden@example.com' })
  await recordAccountEvent(server.context.sudo(), { type: 'NOTE_ADDED', userId: customer.id, actorId: admin.id })
  const COUNT = 'query($w: AccountEventWhereInput!) { accountEventsCount(where: $w) }'
  // when
  const byEmail = await server.gql(
    COUNT,
    { w: { user: { id: { equals: customer.id } }, actor: { email: { startsWith: 'adm' } } } },
    { token: actors.supportStaff.token },
  )
  const bySuperuser = await server.gql(
    COUNT,
    { w: { user: { id: { equals: customer.id } }, actor: { isSuperuser: { equals: true } } } },
    { token: actors.supportStaff.token },
  )
  const all = await server.gql(
    COUNT,
    { w: { user: { id: { equals: customer.id } } } },
    { token: actors.supportStaff.token },
  )
  const asSuperuser = await server.gql(
    COUNT,
    { w: { user: { id: { equals: customer.id } }, actor: { email: { startsWith: 'adm' } } } },
    { token: actors.superuser.token },
  )
  // then: the event is there, but a filter on what support cannot read matches nothing
  assert.equal(all.body.data.accountEventsCount, 1)
  assert.equal(byEmail.body.data.accountEventsCount, 0)
  assert.equal(bySuperuser.body.data.accountEventsCount, 0)
  assert.equal(asSuperuser.body.data.accountEventsCount, 1)
})

test('a to-many relationship filter counts only readable rows too', async () => {
  // given: a staff user support cannot read belongs to a permission group… support cannot read
  // groups either, so use customer groups: support reads customers, not the staff member in it
  const staff = await makeStaff(server.context, [], { email: 'hidden-staff@example.com' })
  const group = await server.context
    .sudo()
    .db.CustomerGroup.createOne({ data: { name: 'mixed', users: { connect: [{ id: staff.id }] } } })
  const QUERY = 'query($w: CustomerGroupWhereInput!) { customerGroupsCount(where: $w) }'
  // when
  const some = await server.gql(
    QUERY,
    { w: { id: { equals: group.id }, users: { some: { email: { startsWith: 'hidden-staff' } } } } },
    { token: actors.supportStaff.token },
  )
  const every = await server.gql(
    QUERY,
    { w: { id: { equals: group.id }, users: { every: { email: { startsWith: 'nobody' } } } } },
    { token: actors.supportStaff.token },
  )
  // then
  assert.equal(some.body.data.customerGroupsCount, 0)
  // every readable member matches (there is none), so the hidden one cannot make it fail
  assert.equal(every.body.data.customerGroupsCount, 1)
})

test('the generated user query finds an account by its email in any case', async () => {
  const customer = await makeCustomer(server.context)
  const res = await server.gql(
    'query($e: String!) { user(where: { email: $e }) { id } users(where: { email: { equals: $e } }) { id } }',
    { e: customer.email.toUpperCase() },
    { token: actors.supportStaff.token },
  )
  assert.equal(res.body.data.user?.id, customer.id)
  assert.deepEqual(
    res.body.data.users.map((u: { id: string }) => u.id),
    [customer.id],
  )
})
