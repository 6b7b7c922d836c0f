// STAFF_MFA_REQUIRED=true (API.md §9): a staff user's permissions apply only in a session whose amr
// holds `mfa`; in any other session it acts as a customer, on every path: the generated lists
// (access/), the custom queries and mutations, the staff scope rules, and `me { userPermissions }`.
// Customers are not touched. The sessions are made as a sign-in makes them (issueTokens with the
// amr the sign-in proved), so the test needs no second-factor mutation.
import '../../helpers/env'
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, type TestServer } from '../../helpers/server'
import { makeCustomer, makeStaff, makeSuperuser } from '../../helpers/factories'
import { issueTokens } from '../../../services/identity/tokens'
import type { AuthMethod } from '../../../services/identity'

const CUSTOMERS = '{ customers(take: 10) { id email } }'
const USER = 'query($id: ID!) { user(where: { id: $id }) { id email } }'
const ME = '{ me { id isStaff userPermissions } }'
const CUSTOMER_UPDATE = `mutation($id: ID!) {
  customerUpdate(id: $id, input: { firstName: "Changed" }) { user { firstName } errors { field code } } }`
const GROUP_CREATE = `mutation {
  permissionGroupCreate(input: { name: "made without a second factor", addPermissions: [MANAGE_USERS] }) {
    group { id } errors { field code } } }`

const PASSWORD_ONLY: AuthMethod[] = ['pwd']
const WITH_TOTP: AuthMethod[] = ['pwd', 'otp', 'mfa']
const WITH_PASSKEY: AuthMethod[] = ['hwk', 'mfa']

let server: TestServer

before(async () => {
  server = await startServer({ env: { STAFF_MFA_REQUIRED: 'true' } })
})
after(async () => {
  await server?.stop()
})

/** An access token of a new session of this user, signed in as `amr` says. */
async function tokenWith(userId: string, amr: AuthMethod[]): Promise<string> {
  const user = await server.context.prisma.user.findUniqueOrThrow({ where: { id: userId } })
  const tokenUser = { id: user.id, email: user.email, isStaff: user.isStaff, jwtTokenKey: user.jwtTokenKey }
  const tokens = await issueTokens(server.context.sudo(), tokenUser, { amr, ip: '127.0.0.1', userAgent: 'tests' })
  return tokens.accessToken
}

const codesOf = (body: any) => (body.errors ?? []).map((error: any) => error.extensions?.code)

test('a staff user with MANAGE_USERS signed in with a password only cannot read customers', async () => {
  // given
  const customer = await makeCustomer(server.context)
  const agent = await makeStaff(server.context, ['MANAGE_USERS'])
  const token = await tokenWith(agent.id, PASSWORD_ONLY)

  // when
  const list = await server.gql(CUSTOMERS, {}, { token })
  const one = await server.gql(USER, { id: customer.id }, { token })
  const me = await server.gql(ME, {}, { token })

  // then
  assert.deepEqual(codesOf(list.body), ['KS_ACCESS_DENIED'], JSON.stringify(list.body))
  assert.equal(one.body.data?.user, null, JSON.stringify(one.body))
  // still itself, still staff by its row, but holding nothing in this session
  assert.deepEqual(me.body.data?.me, { id: agent.id, isStaff: true, userPermissions: [] })
})

test('the same staff user signed in with a second factor (TOTP or a passkey) reads customers', async () => {
  // given
  const customer = await makeCustomer(server.context)
  const agent = await makeStaff(server.context, ['MANAGE_USERS'])

  for (const amr of [WITH_TOTP, WITH_PASSKEY]) {
    const token = await tokenWith(agent.id, amr)

    // when
    const list = await server.gql(CUSTOMERS, {}, { token })
    const one = await server.gql(USER, { id: customer.id }, { token })
    const me = await server.gql(ME, {}, { token })

    // then
    assert.equal(list.body.errors, undefined, JSON.stringify(list.body))
    assert.ok(list.body.data.customers.some((user: any) => user.id === customer.id))
    assert.equal(one.body.data?.user?.email, customer.email, amr.join(' '))
    assert.deepEqual(me.body.data?.me?.userPermissions, ['MANAGE_USERS'])
  }
})

test('without a second factor a staff user changes no customer and grants nothing (mutations and the scope rules)', async () => {
  // given
  const customer = await makeCustomer(server.context, { firstName: 'Original' })
  const manager = await makeStaff(server.context, ['MANAGE_USERS', 'MANAGE_STAFF'])
  const token = await tokenWith(manager.id, PASSWORD_ONLY)

  // when
  const update = await server.gql(CUSTOMER_UPDATE, { id: customer.id }, { token })
  const group = await server.gql(GROUP_CREATE, {}, { token })

  // then
  assert.deepEqual(codesOf(update.body), ['KS_ACCESS_DENIED'], JSON.stringify(update.body))
  assert.deepEqual(codesOf(group.body), ['KS_ACCESS_DENIED'], JSON.stringify(group.body))
  const after = await server.context.prisma.user.findUniqueOrThrow({ where: { id: customer.id } })
  assert.equal(after.firstName, 'Original')
  assert.equal(
    await server.context.prisma.permissionGroup.count({ where: { name: 'made without a second factor' } }),
    0,
  )
})

test('a superuser signed in with a password only acts as a customer too', async () => {
  // given
  const superuser = await makeSuperuser(server.context)
  const staff = await makeStaff(server.context, [])
  const token = await tokenWith(superuser.id, PASSWORD_ONLY)

  // when
  const one = await server.gql(USER, { id: staff.id }, { token })
  const me = await server.gql(ME, {}, { token })
  const withMfa = await server.gql(USER, { id: staff.id }, { token: await tokenWith(superuser.id, WITH_TOTP) })

  // then
  assert.equal(one.body.data?.user, null, JSON.stringify(one.body))
  assert.deepEqual(me.body.data?.me?.userPermissions, [])
  assert.equal(withMfa.body.data?.user?.email, staff.email)
})

test('a customer signed in with a password only is not touched: it reads and edits itself', async () => {
  // given
  const customer = await makeCustomer(server.context)
  const token = await tokenWith(customer.id, PASSWORD_ONLY)

  // when
  const me = await server.gql(ME, {}, { token })
  const update = await server.gql(
    'mutation { accountUpdate(input: { firstName: "Self" }) { user { firstName } errors { code } } }',
    {},
    { token },
  )

  // then
  assert.deepEqual(me.body.data?.me, { id: customer.id, isStaff: false, userPermissions: [] })
  assert.deepEqual(update.body.data?.accountUpdate, { user: { firstName: 'Self' }, errors: [] })
})
