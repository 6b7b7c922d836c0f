// The access matrix: actors × lists × operations through the real HTTP API, one named test per
// cell. Every denied cell also checks that nothing changed and that no value leaked.
import '../helpers/env'
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, type GraphQLResponse, type TestServer } from '../helpers/server'
import { makeActors, type Actor, type ActorName, type Actors } from '../helpers/actors'
import {
  makeAddress,
  makeChannel,
  makeCustomer,
  makeCustomerGroup,
  makePermissionGroup,
  makeStaff,
} from '../helpers/factories'

type Expect = 'allowed' | 'denied'
type Row = Partial<Record<ActorName, Expect>>

let server: TestServer
let actors: Actors
let fx: {
  customerAddress: string
  otherAddress: string
  memberGroup: string
  otherGroup: string
  activeChannel: string
  inactiveChannel: string
  staffGroup: string
}

const ALL: ActorName[] = ['anonymous', 'customer', 'otherCustomer', 'supportStaff', 'fullStaff', 'superuser']

function cells(row: Row): [ActorName, Expect][] {
  return ALL.filter(name => row[name] !== undefined).map(name => [name, row[name]!])
}

function as(name: ActorName) {
  const actor: Actor = actors[name]
  return <T = any>(query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse<T>> =>
    server.gql<T>(query, variables, actor.token ? { token: actor.token } : {})
}

function assertAccessDenied(res: GraphQLResponse, field: string) {
  const value = res.body.data?.[field]
  assert.ok(value === null || value === undefined, `expected no ${field} value, got ${JSON.stringify(value)}`)
  assert.equal(res.body.errors?.[0]?.extensions?.code, 'KS_ACCESS_DENIED', JSON.stringify(res.body.errors))
}

function assertOk(res: GraphQLResponse, field: string) {
  assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors))
  assert.ok(res.body.data?.[field], `expected a ${field} value`)
}

async function sudoUser(id: string) {
  return server.context.sudo().db.User.findOne({ where: { id } })
}

before(async () => {
  server = await startServer()
  const context = server.context
  actors = await makeActors(context)
  const memberGroup = await makeCustomerGroup(context, { users: { connect: [{ id: actors.customer.id }] } })
  const otherGroup = await makeCustomerGroup(context)
  const customerAddress = await makeAddress(context, actors.customer.id!)
  const otherAddress = await makeAddress(context, actors.otherCustomer.id!, { streetAddress1: '2 Other Rd' })
  const activeChannel = await makeChannel(context)
  const inactiveChannel = await makeChannel(context, { isActive: false })
  const staffGroup = await makePermissionGroup(context, ['MANAGE_PRODUCTS'])
  await context.sudo().db.User.updateOne({
    where: { id: actors.customer.id! },
    data: {
      note: [{ type: 'paragraph', children: [{ text: 'internal: watch for chargebacks' }] }],
      privateMetadata: { risk: 'high' },
    },
  })
  await context
    .sudo()
    .db.AccountEvent.createOne({ data: { type: 'ACCOUNT_CREATED', user: { connect: { id: actors.customer.id! } } } })
  fx = {
    customerAddress: customerAddress.id,
    otherAddress: otherAddress.id,
    memberGroup: memberGroup.id,
    otherGroup: otherGroup.id,
    activeChannel: activeChannel.id,
    inactiveChannel: inactiveChannel.id,
    staffGroup: staffGroup.id,
  }
})

after(async () => {
  await server?.stop()
})

describe('User: read', () => {
  const visible: Record<ActorName, ActorName[]> = {
    anonymous: [],
    customer: ['customer'],
    otherCustomer: ['otherCustomer'],
    supportStaff: ['customer', 'otherCustomer', 'supportStaff'],
    fullStaff: ['customer', 'otherCustomer', 'supportStaff', 'fullStaff', 'superuser'],
    superuser: ['customer', 'otherCustomer', 'supportStaff', 'fullStaff', 'superuser'],
  }
  for (const name of ALL) {
    test(`users, as ${name}, lists exactly ${visible[name].join(', ') || 'nobody'} among the actors`, async () => {
      // when
      const res = await as(name)('{ users { id email } }')
      // then
      assert.equal(res.body.errors, undefined)
      const ids = new Set(res.body.data.users.map((u: { id: string }) => u.id))
      for (const other of ALL.filter(n => n !== 'anonymous')) {
        assert.equal(ids.has(actors[other].id), visible[name].includes(other), `${name} seeing ${other}`)
      }
    })
  }

  for (const [name, expected] of cells({
    anonymous: 'denied',
    customer: 'allowed',
    otherCustomer: 'denied',
    supportStaff: 'allowed',
    fullStaff: 'allowed',
    superuser: 'allowed',
  })) {
    test(`user(where: id) of a customer, as ${name}, is ${expected}`, async () => {
      const res = await as(name)('query($id: ID!) { user(where: { id: $id }) { id email } }', {
        id: actors.customer.id,
      })
      assert.equal(res.body.errors, undefined)
      if (expected === 'allowed') assert.equal(res.body.data.user.email, actors.customer.email)
      else assert.equal(res.body.data.user, null)
    })
  }

  for (const [name, expected] of cells({
    customer: 'denied',
    supportStaff: 'denied',
    fullStaff: 'allowed',
    superuser: 'allowed',
  })) {
    test(`user(where: email) of a staff member, as ${name}, is ${expected}`, async () => {
      const res = await as(name)('query($email: String!) { user(where: { email: $email }) { id } }', {
        email: actors.fullStaff.email,
      })
      assert.equal(res.body.errors, undefined)
      assert.equal(res.body.data.user?.id ?? null, expected === 'allowed' ? actors.fullStaff.id : null)
    })
  }
})

describe('User: sensitive fields are never read by the wrong actor', () => {
  for (const name of ALL.filter(n => n !== 'anonymous')) {
    test(`password, as ${name}, is never readable, not even as isSet`, async () => {
      const res = await as(name)('query($id: ID!) { user(where: { id: $id }) { id password { isSet } } }', {
        id: name === 'customer' ? actors.customer.id : actors[name].id,
      })
      assert.equal(res.body.data?.user?.password ?? null, null)
      assert.doesNotMatch(JSON.stringify(res.body), /\$argon2|\$2[aby]\$/)
    })
  }

  test('the token key is not in the GraphQL schema at all, even for a superuser', async () => {
    const res = await as('superuser')('query($id: ID!) { user(where: { id: $id }) { jwtTokenKey } }', {
      id: actors.customer.id,
    })
    assert.equal(res.body.data, undefined)
    assert.match(res.body.errors![0]!.message, /Cannot query field "jwtTokenKey"/)
  })

  for (const [name, expected] of cells({
    customer: 'denied',
    otherCustomer: 'denied',
    supportStaff: 'allowed',
    fullStaff: 'allowed',
    superuser: 'allowed',
  })) {
    test(`note, privateMetadata and events of a customer, as ${name}, are ${expected}`, async () => {
      const res = await as(name)(
        'query($id: ID!) { user(where: { id: $id }) { id note { document } privateMetadata events { type } } }',
        { id: actors.customer.id },
      )
      const user = res.body.data?.user
      if (expected === 'allowed') {
        assert.equal(user.privateMetadata.risk, 'high')
        assert.match(JSON.stringify(user.note), /chargebacks/)
        assert.deepEqual(
          user.events.map((e: { type: string }) => e.type),
          ['ACCOUNT_CREATED'],
        )
      } else {
        assert.ok(!user || (user.note === null && user.privateMetadata === null && user.events === null))
        assert.doesNotMatch(JSON.stringify(res.body), /chargebacks|high|ACCOUNT_CREATED/)
      }
    })
  }
})

describe('User: create', () => {
  for (const [name, expected] of cells({
    anonymous: 'denied',
    customer: 'denied',
    otherCustomer: 'denied',
    supportStaff: 'allowed',
    fullStaff: 'allowed',
    superuser: 'allowed',
  })) {
    test(`createUser of a customer, as ${name}, is ${expected}`, async () => {
      const email = `created-by-${name}-${Date.now()}@example.com`.toLowerCase()
      const res = await as(name)(
        'mutation($email: String!) { createUser(data: { email: $email, password: "long enough password" }) { id isStaff } }',
        { email },
      )
      const stored = await server.context.sudo().db.User.findOne({ where: { email } })
      if (expected === 'allowed') {
        assertOk(res, 'createUser')
        assert.equal(res.body.data.createUser.isStaff, false)
        assert.ok(stored)
      } else {
        assertAccessDenied(res, 'createUser')
        assert.equal(stored, null)
      }
    })
  }

  for (const [name, expected] of cells({
    customer: 'denied',
    supportStaff: 'denied',
    fullStaff: 'allowed',
    superuser: 'allowed',
  })) {
    test(`createUser of a staff member, as ${name}, is ${expected}`, async () => {
      const email = `staff-by-${name}-${Date.now()}@example.com`.toLowerCase()
      const res = await as(name)(
        'mutation($email: String!) { createUser(data: { email: $email, isStaff: true }) { id } }',
        { email },
      )
      const stored = await server.context.sudo().db.User.findOne({ where: { email } })
      if (expected === 'allowed') {
        assertOk(res, 'createUser')
        assert.equal(stored?.isStaff, true)
      } else {
        assert.equal(res.body.data?.createUser ?? null, null)
        assert.deepEqual(
          res.body.errors?.map((e: any) => e.path?.[0]),
          ['createUser'],
        )
        assert.equal(stored, null)
      }
    })
  }

  test('createUser of a customer by staff holding MANAGE_STAFF only is refused', async () => {
    const context = server.context
    const staffManager = await makeStaff(context, ['MANAGE_STAFF'])
    const { tokenFor } = await import('../helpers/actors')
    const email = `customer-by-staff-manager-${Date.now()}@example.com`
    const res = await server.gql(
      'mutation($email: String!) { createUser(data: { email: $email }) { id } }',
      { email },
      { token: await tokenFor(context, staffManager.id) },
    )
    assert.equal(res.body.data?.createUser ?? null, null)
    assert.match(JSON.stringify(res.body.errors), /MANAGE_USERS/)
    assert.equal(await context.sudo().db.User.findOne({ where: { email } }), null)
  })

  test('an email is stored lower-case and is unique whatever its case', async () => {
    const email = `Mixed.Case-${Date.now()}@Example.COM`
    const first = await as('supportStaff')(
      'mutation($email: String!) { createUser(data: { email: $email }) { email } }',
      { email },
    )
    assert.equal(first.body.data.createUser.email, email.toLowerCase())
    const second = await as('supportStaff')(
      'mutation($email: String!) { createUser(data: { email: $email }) { email } }',
      { email: email.toUpperCase() },
    )
    assert.equal(second.body.data?.createUser ?? null, null)
    assert.deepEqual(
      second.body.errors?.map((e: any) => e.path?.[0]),
      ['createUser'],
    )
    assert.equal(await server.context.sudo().db.User.count({ where: { email: { equals: email.toLowerCase() } } }), 1)
  })
})

describe('User: update', () => {
  for (const [name, expected] of cells({
    anonymous: 'denied',
    customer: 'allowed',
    otherCustomer: 'denied',
    supportStaff: 'allowed',
    fullStaff: 'allowed',
    superuser: 'allowed',
  })) {
    test(`updateUser firstName of a customer, as ${name}, is ${expected}`, async () => {
      const before = await sudoUser(actors.customer.id!)
      const res = await as(name)(
        'mutation($id: ID!, $v: String!) { updateUser(where: { id: $id }, data: { firstName: $v }) { firstName } }',
        { id: actors.customer.id, v: `by-${name}` },
      )
      const after = await sudoUser(actors.customer.id!)
      if (expected === 'allowed') {
        assertOk(res, 'updateUser')
        assert.equal(after?.firstName, `by-${name}`)
      } else {
        assertAccessDenied(res, 'updateUser')
        assert.equal(after?.firstName, before?.firstName)
      }
    })
  }

  for (const [name, expected] of cells({
    customer: 'denied',
    supportStaff: 'denied',
    fullStaff: 'allowed',
    superuser: 'allowed',
  })) {
    test(`updateUser lastName of a staff member, as ${name}, is ${expected}`, async () => {
      const target = await makeStaff(server.context, [])
      const res = await as(name)(
        'mutation($id: ID!) { updateUser(where: { id: $id }, data: { lastName: "Changed" }) { lastName } }',
        { id: target.id },
      )
      const after = await sudoUser(target.id)
      if (expected === 'allowed') {
        assertOk(res, 'updateUser')
        assert.equal(after?.lastName, 'Changed')
      } else {
        assertAccessDenied(res, 'updateUser')
        assert.equal(after?.lastName, 'Staff')
      }
    })
  }

  const selfForbidden: [string, string, Record<string, unknown>][] = [
    ['isStaff', 'isStaff', { isStaff: true }],
    ['isActive', 'isActive', { isActive: false }],
    ['isSuperuser', 'isSuperuser', { isSuperuser: true }],
    ['isConfirmed', 'isConfirmed', { isConfirmed: false }],
    ['note', 'note', { note: [{ type: 'paragraph', children: [{ text: 'self-written' }] }] }],
    ['privateMetadata', 'privateMetadata', { privateMetadata: { risk: 'low' } }],
    ['customerGroups', 'customerGroups', { customerGroups: { connect: [{ id: 'OTHER_GROUP' }] } }],
    ['permissionGroups', 'permissionGroups', { permissionGroups: { connect: [{ id: 'STAFF_GROUP' }] } }],
    ['email', 'email', { email: 'taken-over@example.com' }],
    ['password', 'password', { password: 'a brand new password' }],
    ['addresses', 'addresses', { addresses: { connect: [{ id: 'OTHER_ADDRESS' }] } }],
  ]
  for (const [label, field, data] of selfForbidden) {
    test(`a customer cannot set its own ${label}, and nothing changes`, async () => {
      const resolved = JSON.parse(
        JSON.stringify(data)
          .replace('OTHER_GROUP', fx.otherGroup)
          .replace('STAFF_GROUP', fx.staffGroup)
          .replace('OTHER_ADDRESS', fx.otherAddress),
      )
      const before = await sudoUser(actors.customer.id!)
      const res = await as('customer')(
        'mutation($id: ID!, $data: UserUpdateInput!) { updateUser(where: { id: $id }, data: $data) { id } }',
        { id: actors.customer.id, data: resolved },
      )
      assertAccessDenied(res, 'updateUser')
      assert.match(res.body.errors![0]!.message, new RegExp(field))
      const after = await sudoUser(actors.customer.id!)
      assert.deepEqual(after, before)
      const address = await server.context.sudo().db.Address.findOne({ where: { id: fx.otherAddress } })
      assert.equal(address?.userId, actors.otherCustomer.id)
    })
  }

  for (const [name, field, data] of [
    ['supportStaff', 'isStaff', { isStaff: true }],
    ['supportStaff', 'isSuperuser', { isSuperuser: true }],
    ['fullStaff', 'isSuperuser', { isSuperuser: true }],
  ] as const) {
    test(`${name} cannot set ${field} on a customer, and nothing changes`, async () => {
      const target = await makeCustomer(server.context)
      const before = await sudoUser(target.id)
      const res = await as(name)(
        'mutation($id: ID!, $data: UserUpdateInput!) { updateUser(where: { id: $id }, data: $data) { id } }',
        { id: target.id, data },
      )
      assertAccessDenied(res, 'updateUser')
      assert.deepEqual(await sudoUser(target.id), before)
    })
  }

  test("a customer cannot make another customer's address its default", async () => {
    const res = await as('customer')(
      'mutation($id: ID!, $a: ID!) { updateUser(where: { id: $id }, data: { defaultShippingAddress: { connect: { id: $a } } }) { id } }',
      { id: actors.customer.id, a: fx.otherAddress },
    )
    assert.equal(res.body.data?.updateUser ?? null, null)
    assert.deepEqual(
      res.body.errors?.map((e: any) => e.path?.[0]),
      ['updateUser'],
    )
    assert.equal((await sudoUser(actors.customer.id!))?.defaultShippingAddressId, null)
  })

  test('a customer can make its own address its default', async () => {
    const res = await as('customer')(
      'mutation($id: ID!, $a: ID!) { updateUser(where: { id: $id }, data: { defaultBillingAddress: { connect: { id: $a } } }) { defaultBillingAddress { id } } }',
      { id: actors.customer.id, a: fx.customerAddress },
    )
    assertOk(res, 'updateUser')
    assert.equal(res.body.data.updateUser.defaultBillingAddress.id, fx.customerAddress)
  })
})

describe('User: delete', () => {
  for (const [name, expected] of cells({
    anonymous: 'denied',
    customer: 'denied',
    otherCustomer: 'denied',
    supportStaff: 'allowed',
    fullStaff: 'allowed',
    superuser: 'allowed',
  })) {
    test(`deleteUser of a customer, as ${name}, is ${expected}`, async () => {
      const target = await makeCustomer(server.context)
      const res = await as(name)('mutation($id: ID!) { deleteUser(where: { id: $id }) { id } }', { id: target.id })
      const after = await sudoUser(target.id)
      if (expected === 'allowed') {
        assertOk(res, 'deleteUser')
        assert.equal(after, null)
      } else {
        assertAccessDenied(res, 'deleteUser')
        assert.ok(after)
      }
    })
  }

  for (const [name, expected] of cells({ supportStaff: 'denied', fullStaff: 'allowed', superuser: 'allowed' })) {
    test(`deleteUser of a staff member, as ${name}, is ${expected}`, async () => {
      const target = await makeStaff(server.context, [])
      const res = await as(name)('mutation($id: ID!) { deleteUser(where: { id: $id }) { id } }', { id: target.id })
      if (expected === 'allowed') assertOk(res, 'deleteUser')
      else assertAccessDenied(res, 'deleteUser')
      assert.equal((await sudoUser(target.id)) === null, expected === 'allowed')
    })
  }

  for (const name of ['customer', 'supportStaff', 'fullStaff', 'superuser'] as const) {
    test(`deleteUser of oneself, as ${name}, is denied`, async () => {
      const res = await as(name)('mutation($id: ID!) { deleteUser(where: { id: $id }) { id } }', {
        id: actors[name].id,
      })
      assertAccessDenied(res, 'deleteUser')
      assert.ok(await sudoUser(actors[name].id!))
    })
  }

  test('deleteUser of a superuser, as full staff, is denied', async () => {
    const res = await as('fullStaff')('mutation($id: ID!) { deleteUser(where: { id: $id }) { id } }', {
      id: actors.superuser.id,
    })
    assertAccessDenied(res, 'deleteUser')
    assert.ok(await sudoUser(actors.superuser.id!))
  })
})

describe('Address', () => {
  for (const [name, expected] of cells({
    anonymous: 'denied',
    customer: 'denied',
    otherCustomer: 'allowed',
    supportStaff: 'allowed',
    fullStaff: 'allowed',
    superuser: 'allowed',
  })) {
    test(`address(where: id) of otherCustomer, as ${name}, is ${expected}`, async () => {
      const res = await as(name)('query($id: ID!) { address(where: { id: $id }) { id streetAddress1 } }', {
        id: fx.otherAddress,
      })
      if (expected === 'allowed') assert.equal(res.body.data.address.streetAddress1, '2 Other Rd')
      else {
        assert.equal(res.body.data?.address ?? null, null)
        assert.doesNotMatch(JSON.stringify(res.body), /Other Rd/)
      }
    })
  }

  test('addresses, as customer, lists only its own', async () => {
    const res = await as('customer')('{ addresses { id user { id } } }')
    assert.ok(res.body.data.addresses.length >= 1)
    for (const address of res.body.data.addresses) assert.equal(address.user.id, actors.customer.id)
  })

  for (const [name, expected] of cells({ anonymous: 'denied', customer: 'allowed', supportStaff: 'allowed' })) {
    test(`createAddress without an owner, as ${name}, is ${expected} and lands in the caller's own book`, async () => {
      const res = await as(name)(
        'mutation { createAddress(data: { streetAddress1: "9 New St", city: "New York", postalCode: "10001", countryArea: "NY", country: "US" }) { id user { id } } }',
      )
      if (expected === 'allowed') {
        assertOk(res, 'createAddress')
        assert.equal(res.body.data.createAddress.user.id, actors[name].id)
      } else assertAccessDenied(res, 'createAddress')
    })
  }

  test("a customer cannot create an address in another customer's book", async () => {
    const before = await server.context
      .sudo()
      .db.Address.count({ where: { user: { id: { equals: actors.otherCustomer.id } } } })
    const res = await as('customer')(
      'mutation($u: ID!) { createAddress(data: { user: { connect: { id: $u } }, streetAddress1: "1 Sneaky Ln", city: "New York", postalCode: "10001", countryArea: "NY", country: "US" }) { id } }',
      { u: actors.otherCustomer.id },
    )
    assert.equal(res.body.data?.createAddress ?? null, null)
    assert.deepEqual(
      res.body.errors?.map((e: any) => e.path?.[0]),
      ['createAddress'],
    )
    assert.equal(
      await server.context.sudo().db.Address.count({ where: { user: { id: { equals: actors.otherCustomer.id } } } }),
      before,
    )
  })

  test("support staff can add an address to a customer's book", async () => {
    const res = await as('supportStaff')(
      'mutation($u: ID!) { createAddress(data: { user: { connect: { id: $u } }, streetAddress1: "5 Desk Ave", city: "New York", postalCode: "10001", countryArea: "NY", country: "US" }) { user { id } } }',
      { u: actors.otherCustomer.id },
    )
    assertOk(res, 'createAddress')
    assert.equal(res.body.data.createAddress.user.id, actors.otherCustomer.id)
  })

  for (const [name, expected] of cells({ customer: 'denied', otherCustomer: 'allowed', supportStaff: 'allowed' })) {
    test(`updateAddress of otherCustomer's address, as ${name}, is ${expected}`, async () => {
      const res = await as(name)(
        'mutation($id: ID!, $c: String!) { updateAddress(where: { id: $id }, data: { city: $c }) { city } }',
        { id: fx.otherAddress, c: `CITY-${name.toUpperCase()}` },
      )
      const after = await server.context.sudo().db.Address.findOne({ where: { id: fx.otherAddress } })
      if (expected === 'allowed') {
        assertOk(res, 'updateAddress')
        assert.equal(after?.city, `CITY-${name.toUpperCase()}`)
      } else {
        assertAccessDenied(res, 'updateAddress')
        assert.notEqual(after?.city, `CITY-${name.toUpperCase()}`)
      }
    })
  }

  for (const name of ['customer', 'supportStaff', 'superuser'] as const) {
    test(`moving an address to another user, as ${name}, is denied`, async () => {
      const address = await makeAddress(server.context, actors.customer.id!)
      const res = await as(name)(
        'mutation($id: ID!, $u: ID!) { updateAddress(where: { id: $id }, data: { user: { connect: { id: $u } } }) { id } }',
        { id: address.id, u: actors.otherCustomer.id },
      )
      assertAccessDenied(res, 'updateAddress')
      assert.equal(
        (await server.context.sudo().db.Address.findOne({ where: { id: address.id } }))?.userId,
        actors.customer.id,
      )
    })
  }

  for (const [name, expected] of cells({
    anonymous: 'denied',
    customer: 'denied',
    otherCustomer: 'allowed',
    supportStaff: 'allowed',
  })) {
    test(`deleteAddress of otherCustomer's address, as ${name}, is ${expected}`, async () => {
      const address = await makeAddress(server.context, actors.otherCustomer.id!)
      const res = await as(name)('mutation($id: ID!) { deleteAddress(where: { id: $id }) { id } }', { id: address.id })
      const after = await server.context.sudo().db.Address.findOne({ where: { id: address.id } })
      if (expected === 'allowed') {
        assertOk(res, 'deleteAddress')
        assert.equal(after, null)
      } else {
        assertAccessDenied(res, 'deleteAddress')
        assert.ok(after)
      }
    })
  }
})

describe('CustomerGroup', () => {
  test('customerGroups, as customer, lists only its own groups, names only', async () => {
    const res = await as('customer')('{ customerGroups { id name description metadata users { id } } }')
    assert.deepEqual(
      res.body.data.customerGroups.map((g: { id: string }) => g.id),
      [fx.memberGroup],
    )
    const [group] = res.body.data.customerGroups
    assert.ok(group.name)
    assert.equal(group.description, null)
    assert.equal(group.metadata, null)
    assert.equal(group.users, null)
    assert.doesNotMatch(JSON.stringify(res.body), /internal segment notes/)
  })

  test('customerGroups, as anonymous, lists nothing', async () => {
    const res = await as('anonymous')('{ customerGroups { id } }')
    assert.deepEqual(res.body.data.customerGroups, [])
  })

  for (const [name, expected] of cells({
    anonymous: 'denied',
    customer: 'denied',
    supportStaff: 'allowed',
    fullStaff: 'allowed',
    superuser: 'allowed',
  })) {
    test(`createCustomerGroup, as ${name}, is ${expected}`, async () => {
      const groupName = `group-by-${name}-${Date.now()}`
      const res = await as(name)(
        'mutation($n: String!, $u: ID!) { createCustomerGroup(data: { name: $n, users: { connect: [{ id: $u }] } }) { id users { id } } }',
        { n: groupName, u: actors.otherCustomer.id },
      )
      const stored = await server.context.sudo().db.CustomerGroup.findOne({ where: { name: groupName } })
      if (expected === 'allowed') {
        assertOk(res, 'createCustomerGroup')
        assert.ok(stored)
      } else {
        assertAccessDenied(res, 'createCustomerGroup')
        assert.equal(stored, null)
      }
    })
  }

  test('updateCustomerGroup to join a group, as customer, is denied', async () => {
    const res = await as('customer')(
      'mutation($id: ID!, $u: ID!) { updateCustomerGroup(where: { id: $id }, data: { users: { connect: [{ id: $u }] } }) { id } }',
      { id: fx.otherGroup, u: actors.customer.id },
    )
    assertAccessDenied(res, 'updateCustomerGroup')
    assert.equal(
      await server.context.sudo().db.CustomerGroup.count({
        where: { id: { equals: fx.otherGroup }, users: { some: { id: { equals: actors.customer.id } } } },
      }),
      0,
    )
  })
})

describe('PermissionGroup', () => {
  for (const [name, sees] of [
    ['anonymous', 'none'],
    ['customer', 'none'],
    ['supportStaff', 'own'],
    ['fullStaff', 'all'],
    ['superuser', 'all'],
  ] as const) {
    test(`permissionGroups, as ${name}, lists ${sees}`, async () => {
      const res = await as(name)('{ permissionGroups { id users { id } } }')
      const groups = res.body.data.permissionGroups as { id: string }[]
      const includesStaffGroup = groups.some(g => g.id === fx.staffGroup)
      if (sees === 'none') assert.deepEqual(groups, [])
      if (sees === 'own') {
        assert.equal(groups.length, 1)
        assert.equal(includesStaffGroup, false)
      }
      if (sees === 'all') assert.equal(includesStaffGroup, true)
    })
  }

  for (const [name, expected] of cells({
    anonymous: 'denied',
    customer: 'denied',
    supportStaff: 'denied',
    fullStaff: 'allowed',
    superuser: 'allowed',
  })) {
    test(`createPermissionGroup, as ${name}, is ${expected}`, async () => {
      const groupName = `perm-by-${name}-${Date.now()}`
      const res = await as(name)(
        'mutation($n: String!) { createPermissionGroup(data: { name: $n, permissions: [MANAGE_ORDERS] }) { id permissions } }',
        { n: groupName },
      )
      const stored = await server.context.sudo().db.PermissionGroup.findOne({ where: { name: groupName } })
      if (expected === 'allowed') {
        assertOk(res, 'createPermissionGroup')
        assert.deepEqual(res.body.data.createPermissionGroup.permissions, ['MANAGE_ORDERS'])
      } else {
        assertAccessDenied(res, 'createPermissionGroup')
        assert.equal(stored, null)
      }
    })
  }

  test('a customer cannot be made a member of a permission group', async () => {
    const res = await as('superuser')(
      'mutation($id: ID!, $u: ID!) { updatePermissionGroup(where: { id: $id }, data: { users: { connect: [{ id: $u }] } }) { id } }',
      { id: fx.staffGroup, u: actors.customer.id },
    )
    assert.equal(res.body.data?.updatePermissionGroup ?? null, null)
    assert.match(JSON.stringify(res.body.errors), /staff/)
  })
})

describe('Channel', () => {
  for (const name of ['anonymous', 'customer'] as const) {
    test(`channels, as ${name}, lists active channels only`, async () => {
      const res = await as(name)('{ channels { id } }')
      const ids = res.body.data.channels.map((c: { id: string }) => c.id)
      assert.ok(ids.includes(fx.activeChannel))
      assert.ok(!ids.includes(fx.inactiveChannel))
    })
  }

  test('channels, as support staff, include inactive channels', async () => {
    const res = await as('supportStaff')('{ channels { id } }')
    assert.ok(res.body.data.channels.map((c: { id: string }) => c.id).includes(fx.inactiveChannel))
  })

  for (const [name, expected] of cells({
    anonymous: 'denied',
    customer: 'denied',
    supportStaff: 'denied',
    fullStaff: 'allowed',
    superuser: 'allowed',
  })) {
    test(`createChannel, as ${name}, is ${expected}`, async () => {
      const slug = `ch-${name.toLowerCase()}-${Date.now()}`
      const res = await as(name)(
        'mutation($s: String!) { createChannel(data: { name: $s, slug: $s, defaultCountry: "PL" }) { id } }',
        { s: slug },
      )
      if (expected === 'allowed') assertOk(res, 'createChannel')
      else assertAccessDenied(res, 'createChannel')
    })
  }
})

describe('AccountEvent', () => {
  for (const [name, expected] of cells({
    anonymous: 'denied',
    customer: 'denied',
    supportStaff: 'allowed',
    superuser: 'allowed',
  })) {
    test(`accountEvents, as ${name}, is ${expected}`, async () => {
      const res = await as(name)('{ accountEvents { type user { id } } }')
      const events = res.body.data?.accountEvents ?? []
      assert.equal(
        events.some((e: { user: { id: string } | null }) => e.user?.id === actors.customer.id),
        expected === 'allowed',
      )
    })
  }

  for (const name of ['customer', 'supportStaff', 'superuser'] as const) {
    test(`createAccountEvent, as ${name}, is denied: events are written by the system only`, async () => {
      const res = await as(name)(
        'mutation($u: ID!) { createAccountEvent(data: { type: "PASSWORD_RESET", user: { connect: { id: $u } } }) { id } }',
        { u: actors.customer.id },
      )
      assertAccessDenied(res, 'createAccountEvent')
    })
  }
})
