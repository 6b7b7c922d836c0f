// staffCreate: staff with MANAGE_STAFF create a staff user in groups within their scope; every
// refusal names its field and code and creates nothing, and a caller without MANAGE_STAFF is
// KS_ACCESS_DENIED.
import '../../helpers/env'
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, type TestServer } from '../../helpers/server'
import { tokenFor } from '../../helpers/actors'
import { makeCustomer, makePermissionGroup, makeStaff } from '../../helpers/factories'
import { PERMISSIONS } from '../../../services/identity/permissionCodes'

const STAFF_CREATE =
  'mutation($input: StaffCreateInput!) { staffCreate(input: $input) { user { id email isStaff permissionGroups { id } } errors { field code groups } } }'

let server: TestServer
const tokens: Record<string, string> = {}
const groups: Record<string, string> = {}

before(async () => {
  server = await startServer()
  const c = server.context
  const manager = await makeStaff(c, [])
  groups.managers = (
    await makePermissionGroup(c, ['MANAGE_STAFF', 'MANAGE_USERS'], { users: { connect: [{ id: manager.id }] } })
  ).id
  groups.clerks = (await makePermissionGroup(c, ['MANAGE_USERS'])).id
  groups.full = (await makePermissionGroup(c, [...PERMISSIONS])).id
  tokens.manager = await tokenFor(c, manager.id)
  tokens.support = await tokenFor(c, (await makeStaff(c, ['MANAGE_USERS'])).id)
  tokens.customer = await tokenFor(c, (await makeCustomer(c)).id)
})

after(async () => {
  await server?.stop()
})

// what a refusal must leave as it was: every user's role and every group's members
async function snapshot(): Promise<string> {
  const users = await server.context.prisma.user.findMany({
    select: { id: true, email: true, isStaff: true },
    orderBy: { id: 'asc' },
  })
  const memberships = await server.context.prisma.permissionGroup.findMany({
    select: { id: true, users: { select: { id: true } } },
    orderBy: { id: 'asc' },
  })
  return JSON.stringify({ users, memberships })
}

test('staffCreate by a staff manager creates a staff user in a group within its scope', async () => {
  // when
  const res = await server.gql(
    STAFF_CREATE,
    { input: { email: 'New.Hire@Example.com', firstName: 'New', addGroups: [groups.clerks] } },
    { token: tokens.manager },
  )
  // then
  const { user, errors } = res.body.data.staffCreate
  assert.deepEqual(errors, [])
  assert.equal(user.email, 'new.hire@example.com')
  assert.equal(user.isStaff, true)
  assert.deepEqual(user.permissionGroups, [{ id: groups.clerks }])
})

for (const actor of ['customer', 'support'] as const) {
  test(`staffCreate as ${actor === 'customer' ? 'a customer' : 'staff without MANAGE_STAFF'} is refused with KS_ACCESS_DENIED and creates nothing`, async () => {
    // given
    const before = await snapshot()
    // when
    const res = await server.gql(
      STAFF_CREATE,
      { input: { email: `refused-${actor}@example.com` } },
      { token: tokens[actor] },
    )
    // then
    assert.equal(res.body.errors?.[0]?.extensions?.code, 'KS_ACCESS_DENIED', JSON.stringify(res.body))
    assert.equal(res.body.data?.staffCreate ?? null, null)
    assert.equal(await snapshot(), before)
  })
}

const refusals: [
  string,
  () => Promise<Record<string, unknown>>,
  () => { field: string; code: string; groups: string[] | null }[],
][] = [
  [
    'without an email is REQUIRED on email',
    async () => ({ firstName: 'Nobody' }),
    () => [{ field: 'email', code: 'REQUIRED', groups: null }],
  ],
  [
    'with a malformed email is INVALID on email',
    async () => ({ email: 'not an email' }),
    () => [{ field: 'email', code: 'INVALID', groups: null }],
  ],
  [
    'with the email of a staff user is UNIQUE on email',
    async () => ({ email: (await makeStaff(server.context, [])).email }),
    () => [{ field: 'email', code: 'UNIQUE', groups: null }],
  ],
  [
    'with a redirectUrl off the allowed hosts is INVALID on redirectUrl',
    async () => ({ email: 'phished-staff@example.com', redirectUrl: 'https://evil.example.net/invite' }),
    () => [{ field: 'redirectUrl', code: 'INVALID', groups: null }],
  ],
  [
    'with an unknown group is NOT_FOUND on groups',
    async () => ({ email: 'lost-group@example.com', addGroups: ['no-such-group'] }),
    () => [{ field: 'groups', code: 'NOT_FOUND', groups: ['no-such-group'] }],
  ],
  [
    'with a group wider than the caller is OUT_OF_SCOPE_GROUP on addGroups',
    async () => ({ email: 'too-wide@example.com', addGroups: [groups.full] }),
    () => [{ field: 'addGroups', code: 'OUT_OF_SCOPE_GROUP', groups: [groups.full!] }],
  ],
]

for (const [situation, inputOf, expected] of refusals) {
  test(`staffCreate ${situation} and creates nothing`, async () => {
    // given
    const input = await inputOf()
    const before = await snapshot()
    // when
    const res = await server.gql(STAFF_CREATE, { input }, { token: tokens.manager })
    // then
    assert.deepEqual(res.body.data?.staffCreate, { user: null, errors: expected() }, JSON.stringify(res.body))
    assert.equal(await snapshot(), before)
  })
}

test('staffCreate judges names by the length rule every path applies, as a field error, and creates nothing', async () => {
  // given
  const before = await snapshot()
  // when
  const res = await server.gql(
    STAFF_CREATE,
    { input: { email: 'long.surname@example.com', lastName: 'y'.repeat(257), addGroups: [groups.clerks] } },
    { token: tokens.manager },
  )
  // then
  assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors))
  assert.deepEqual(res.body.data.staffCreate.errors, [{ field: 'lastName', code: 'INVALID', groups: null }])
  assert.equal(await snapshot(), before)
})
