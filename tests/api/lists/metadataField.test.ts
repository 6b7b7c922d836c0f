// lists/metadataField.ts: the metadata limits on the generated API (the Admin UI's path too), on
// every list that has a metadata field, as a superuser who may write all of them.
import '../../helpers/env'
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, type TestServer } from '../../helpers/server'
import { tokenFor } from '../../helpers/actors'
import { makeAddress, makeCustomer, makeSuperuser } from '../../helpers/factories'

const UPDATE_USER = 'mutation($id: ID!, $data: UserUpdateInput!) { updateUser(where: { id: $id }, data: $data) { id } }'
const UPDATE_ADDRESS =
  'mutation($id: ID!, $data: AddressUpdateInput!) { updateAddress(where: { id: $id }, data: $data) { id } }'
const CREATE_GROUP = 'mutation($data: CustomerGroupCreateInput!) { createCustomerGroup(data: $data) { id } }'

let server: TestServer
let token: string

before(async () => {
  server = await startServer()
  token = await tokenFor(server.context, (await makeSuperuser(server.context)).id)
})
after(async () => {
  await server?.stop()
})

function manyKeys(count: number, value = 'v'): Record<string, string> {
  return Object.fromEntries(Array.from({ length: count }, (_, i) => [`key${i}`, value]))
}

test('updateUser refuses a metadata key longer than 256 characters, naming the field, and writes nothing', async () => {
  // given
  const customer = await makeCustomer(server.context, { metadata: { keep: 'me' } })
  // when
  const res = await server.gql(
    UPDATE_USER,
    { id: customer.id, data: { metadata: { ['k'.repeat(300)]: 'v' }, firstName: 'Changed' } },
    { token },
  )
  // then
  assert.equal(res.body.data?.updateUser ?? null, null)
  assert.match(res.body.errors?.[0]?.message ?? '', /metadata keys may be at most 256 characters long/)
  const stored = await server.context.prisma.user.findUniqueOrThrow({ where: { id: customer.id } })
  assert.deepEqual(stored.metadata, { keep: 'me' })
  assert.equal(stored.firstName, 'Casey')
})

test('updateUser refuses private metadata over 64 KiB though each value is within its limit', async () => {
  const customer = await makeCustomer(server.context)
  const res = await server.gql(
    UPDATE_USER,
    { id: customer.id, data: { privateMetadata: manyKeys(40, 'v'.repeat(2000)) } },
    { token },
  )
  assert.match(res.body.errors?.[0]?.message ?? '', /privateMetadata may take at most 65536 bytes as JSON/)
  assert.deepEqual(
    (await server.context.prisma.user.findUniqueOrThrow({ where: { id: customer.id } })).privateMetadata,
    {},
  )
})

test('updateAddress refuses 101 metadata keys and writes nothing', async () => {
  const customer = await makeCustomer(server.context)
  const address = await makeAddress(server.context, customer.id)
  const res = await server.gql(UPDATE_ADDRESS, { id: address.id, data: { metadata: manyKeys(101) } }, { token })
  assert.match(res.body.errors?.[0]?.message ?? '', /metadata may hold at most 100 keys/)
  assert.deepEqual((await server.context.prisma.address.findUniqueOrThrow({ where: { id: address.id } })).metadata, {})
})

test('createCustomerGroup refuses a metadata key longer than 256 characters and creates nothing', async () => {
  const before = await server.context.prisma.customerGroup.count()
  const res = await server.gql(
    CREATE_GROUP,
    { data: { name: 'long keys', metadata: { ['k'.repeat(257)]: 'v' } } },
    { token },
  )
  assert.match(res.body.errors?.[0]?.message ?? '', /metadata keys may be at most 256 characters long/)
  assert.equal(await server.context.prisma.customerGroup.count(), before)
})

test('updateUser accepts metadata at every limit', async () => {
  const customer = await makeCustomer(server.context)
  const metadata = { ['k'.repeat(256)]: 'v'.repeat(2000), ...manyKeys(99) }
  const res = await server.gql(UPDATE_USER, { id: customer.id, data: { metadata } }, { token })
  assert.equal(res.body.errors, undefined)
  assert.deepEqual(
    (await server.context.prisma.user.findUniqueOrThrow({ where: { id: customer.id } })).metadata,
    metadata,
  )
})
