// The audit of an impersonation (API.md §10): every mutation operation run with an impersonation
// token is one IMPERSONATED_CHANGE event on the customer, the staff member as actor, naming the
// session and each root field with its outcome (never an argument's value), whether or not the
// mutation records an event of its own: the address book in Saleor's and Openfront's vocabularies
// and Keystone's generated API, metadata, language and phone, aliased fields, refused attempts.
// The customer's own token and queries leave no such event.
import '../../helpers/env'
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, type TestServer } from '../../helpers/server'
import { PASSWORD } from '../../helpers/factories'
import { tokenFor } from '../../helpers/actors'
import { claimsOf, impersonate, supportAndCustomer } from './impersonationClient'

let server: TestServer

before(async () => {
  server = await startServer()
})
after(async () => {
  await server?.stop()
})

const ADDRESS =
  '{ firstName: "Casey", lastName: "Customer", streetAddress1: "1 Main St", city: "Springfield", postalCode: "62701", countryArea: "IL", country: "US" }'

type Audited = { actorId: string | null; session: unknown; fields: unknown }

async function auditOf(customerId: string): Promise<Audited[]> {
  const events = await server.context.prisma.accountEvent.findMany({
    where: { userId: customerId, type: 'IMPERSONATED_CHANGE' },
    orderBy: [{ date: 'asc' }, { id: 'asc' }],
  })
  return events.map(e => {
    const { session_id, fields, ...rest } = e.parameters as Record<string, unknown>
    assert.deepEqual(rest, {}, 'the event holds the session and the fields only')
    return { actorId: e.actorId, session: session_id, fields }
  })
}

async function impersonated() {
  const { customer, staff, staffToken } = await supportAndCustomer(server.context)
  const token = await impersonate(server, staffToken, customer.id)
  return { customer, staff, token, sessionId: claimsOf(token).sid as string }
}

// runs one operation and asserts it raised no error, nor listed one in its payload
async function ok(query: string, variables: Record<string, unknown>, token: string) {
  const res = await server.gql(query, variables, { token })
  assert.equal(res.body.errors, undefined, JSON.stringify(res.body))
  for (const payload of Object.values(res.body.data ?? {}))
    assert.deepEqual((payload as { errors?: unknown } | null)?.errors ?? [], [], JSON.stringify(res.body))
  return res.body.data
}

async function onlyAddressId(userId: string): Promise<string> {
  const rows = await server.context.prisma.address.findMany({ where: { userId }, select: { id: true } })
  assert.equal(rows.length, 1)
  return rows[0]!.id
}

const succeeded = (...fields: string[]) => fields.map(field => ({ field, outcome: 'SUCCEEDED' }))

test("under impersonation, Saleor's address book mutations are each an event with the staff member as actor", async () => {
  // given
  const { customer, staff, token, sessionId } = await impersonated()

  // when
  const created = await ok(
    `mutation { accountAddressCreate(input: ${ADDRESS}) { address { id } errors { code } } }`,
    {},
    token,
  )
  const id = created.accountAddressCreate.address.id
  await ok(
    `mutation($id: ID!) { accountAddressUpdate(id: $id, input: { city: "Shelbyville" }) { errors { code } } }`,
    { id },
    token,
  )
  await ok(`mutation($id: ID!) { accountSetDefaultAddress(id: $id, type: BILLING) { errors { code } } }`, { id }, token)
  await ok(`mutation($id: ID!) { accountAddressDelete(id: $id) { errors { code } } }`, { id }, token)

  // then
  assert.equal(await server.context.prisma.address.count({ where: { userId: customer.id } }), 0)
  assert.deepEqual(await auditOf(customer.id), [
    { actorId: staff.id, session: sessionId, fields: succeeded('accountAddressCreate') },
    { actorId: staff.id, session: sessionId, fields: succeeded('accountAddressUpdate') },
    { actorId: staff.id, session: sessionId, fields: succeeded('accountSetDefaultAddress') },
    { actorId: staff.id, session: sessionId, fields: succeeded('accountAddressDelete') },
  ])
})

test("under impersonation, Openfront's address book mutations are each an event with the staff member as actor", async () => {
  // given
  const { customer, staff, token, sessionId } = await impersonated()

  // when
  await ok(`mutation { createActiveUserAddress(data: ${ADDRESS}) { id } }`, {}, token)
  const id = await onlyAddressId(customer.id)
  await ok(
    `mutation($id: ID!) { updateActiveUserAddress(where: { id: $id }, data: { city: "Shelbyville" }) { id } }`,
    { id },
    token,
  )
  await ok(`mutation($id: ID!) { deleteActiveUserAddress(where: { id: $id }) { id } }`, { id }, token)

  // then
  assert.equal(await server.context.prisma.address.count({ where: { userId: customer.id } }), 0)
  assert.deepEqual(await auditOf(customer.id), [
    { actorId: staff.id, session: sessionId, fields: succeeded('createActiveUserAddress') },
    { actorId: staff.id, session: sessionId, fields: succeeded('updateActiveUserAddress') },
    { actorId: staff.id, session: sessionId, fields: succeeded('deleteActiveUserAddress') },
  ])
})

test("under impersonation, Keystone's generated address mutations are each an event with the staff member as actor", async () => {
  // given
  const { customer, staff, token, sessionId } = await impersonated()
  const data = ADDRESS.replace('{', `{ user: { connect: { id: "${customer.id}" } },`)

  // when
  const created = await ok(`mutation { createAddress(data: ${data}) { id } }`, {}, token)
  const id = created.createAddress.id
  await ok(
    `mutation($id: ID!) { updateAddress(where: { id: $id }, data: { city: "Shelbyville" }) { id } }`,
    { id },
    token,
  )
  await ok(`mutation($id: ID!) { deleteAddress(where: { id: $id }) { id } }`, { id }, token)

  // then
  assert.equal(await server.context.prisma.address.count({ where: { userId: customer.id } }), 0)
  assert.deepEqual(await auditOf(customer.id), [
    { actorId: staff.id, session: sessionId, fields: succeeded('createAddress') },
    { actorId: staff.id, session: sessionId, fields: succeeded('updateAddress') },
    { actorId: staff.id, session: sessionId, fields: succeeded('deleteAddress') },
  ])
})

test('under impersonation, a metadata, language and phone change is an event, and no value is in it', async () => {
  // given
  const { customer, staff, token, sessionId } = await impersonated()

  // when
  await ok(
    'mutation { accountUpdate(input: { languageCode: "pl-PL", metadata: [{ key: "size", value: "XL-secret" }] }) { errors { code } } }',
    {},
    token,
  )
  await ok('mutation { updateActiveUser(data: { phone: "+48601234567" }) { id } }', {}, token)

  // then
  const user = await server.context.prisma.user.findUniqueOrThrow({ where: { id: customer.id } })
  assert.equal((user.metadata as Record<string, string>).size, 'XL-secret')
  const audit = await auditOf(customer.id)
  assert.deepEqual(audit, [
    { actorId: staff.id, session: sessionId, fields: succeeded('accountUpdate') },
    { actorId: staff.id, session: sessionId, fields: succeeded('updateActiveUser') },
  ])
  assert.doesNotMatch(JSON.stringify(audit), /XL-secret|601234567|pl-PL/)
})

test('under impersonation, one operation with aliased and fragment fields is one event naming each field and its outcome', async () => {
  // given
  const { customer, staff, token, sessionId } = await impersonated()

  // when: the failed delete's payload errors are not even selected
  const res = await server.gql(
    `mutation {
      home: accountAddressCreate(input: ${ADDRESS}) { errors { code } }
      work: accountAddressCreate(input: ${ADDRESS}) { errors { code } }
      ...gone
    }
    fragment gone on Mutation { accountAddressDelete(id: "no-such-address") { __typename } }`,
    {},
    { token },
  )

  // then
  assert.deepEqual(res.body.data?.home?.errors, [], JSON.stringify(res.body))
  assert.equal(await server.context.prisma.address.count({ where: { userId: customer.id } }), 2)
  const audit = await auditOf(customer.id)
  assert.equal(audit.length, 1)
  assert.equal(audit[0]!.actorId, staff.id)
  assert.equal(audit[0]!.session, sessionId)
  const fields = audit[0]!.fields as { field: string; outcome: string; code?: string }[]
  assert.deepEqual(
    fields.map(f => [f.field, f.outcome]),
    [
      ['accountAddressCreate', 'SUCCEEDED'],
      ['accountAddressCreate', 'SUCCEEDED'],
      ['accountAddressDelete', 'FAILED'],
    ],
  )
  assert.equal(typeof fields[2]!.code, 'string')
})

test('under impersonation, a refused mutation is an event marked REFUSED with IMPERSONATION_FORBIDDEN', async () => {
  // given
  const { customer, staff, token, sessionId } = await impersonated()

  // when: Saleor's payload error, then Openfront's coded GraphQL error
  const saleor = await server.gql(
    'mutation($p: String!) { passwordChange(oldPassword: $p, newPassword: "another horse battery staple") { errors { code } } }',
    { p: PASSWORD },
    { token },
  )
  const openfront = await server.gql('mutation { regenerateCustomerToken { success token } }', {}, { token })

  // then
  assert.deepEqual(saleor.body.data.passwordChange.errors, [{ code: 'IMPERSONATION_FORBIDDEN' }])
  assert.equal(openfront.body.errors?.[0]?.extensions?.code, 'IMPERSONATION_FORBIDDEN', JSON.stringify(openfront.body))
  assert.deepEqual(await auditOf(customer.id), [
    {
      actorId: staff.id,
      session: sessionId,
      fields: [{ field: 'passwordChange', outcome: 'REFUSED', code: 'IMPERSONATION_FORBIDDEN' }],
    },
    {
      actorId: staff.id,
      session: sessionId,
      fields: [{ field: 'regenerateCustomerToken', outcome: 'REFUSED', code: 'IMPERSONATION_FORBIDDEN' }],
    },
  ])
})

test("the customer's own token, queries and operations that never ran leave no such event", async () => {
  // given
  const { customer, token } = await impersonated()
  const own = await tokenFor(server.context, customer.id)

  // when: the customer's own changes
  await ok(`mutation { accountAddressCreate(input: ${ADDRESS}) { errors { code } } }`, {}, own)
  await ok(`mutation { createActiveUserAddress(data: ${ADDRESS}) { id } }`, {}, own)
  await ok(
    'mutation { accountUpdate(input: { metadata: [{ key: "size", value: "M" }] }) { errors { code } } }',
    {},
    own,
  )
  // queries, an operation refused by validation, and an HTTP batch, under the impersonation
  await ok('{ me { id addresses { id } } }', {}, token)
  await ok('query { me { id } }', {}, token)
  const invalid = await server.gql(
    'mutation { accountAddressCreate(input: { nope: 1 }) { errors { code } } }',
    {},
    { token },
  )
  const batch = await fetch(`${server.url}/api/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify([{ query: `mutation { accountAddressCreate(input: ${ADDRESS}) { errors { code } } }` }]),
  })

  // then
  assert.ok(invalid.body.errors?.length)
  assert.equal(batch.status, 400, 'HTTP batching is off')
  assert.equal(await server.context.prisma.address.count({ where: { userId: customer.id } }), 2)
  assert.deepEqual(await auditOf(customer.id), [])
})
