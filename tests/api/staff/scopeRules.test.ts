// Saleor's scope rules, table-driven, on each path: the custom mutation and Keystone's generated
// one. Each refusal names its code and changes nothing.
import '../../helpers/env'
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, type TestServer } from '../../helpers/server'
import { tokenFor } from '../../helpers/actors'
import { makeChannel, makeCustomer, makePermissionGroup, makeStaff, makeSuperuser } from '../../helpers/factories'
import { PERMISSIONS } from '../../../services/identity/permissionCodes'

let server: TestServer
const w: Record<string, { id: string; token?: string }> = {}

// a snapshot of everything the rules protect, to show a refusal changed nothing
async function snapshot() {
  const groups = await server.context.prisma.permissionGroup.findMany({
    include: { users: { select: { id: true } }, accessibleChannels: { select: { id: true } } },
    orderBy: { id: 'asc' },
  })
  const users = await server.context.prisma.user.findMany({
    select: { id: true, isActive: true, isStaff: true, isSuperuser: true, email: true },
    orderBy: { id: 'asc' },
  })
  return JSON.stringify({ groups, users })
}

before(async () => {
  server = await startServer()
  const c = server.context
  const channelA = await makeChannel(c)
  const channelB = await makeChannel(c)
  const boss = await makeStaff(c, [])
  const full = await makePermissionGroup(c, [...PERMISSIONS], { name: 'Full', users: { connect: [{ id: boss.id }] } })
  const manager = await makeStaff(c, [])
  const managers = await makePermissionGroup(c, ['MANAGE_STAFF', 'MANAGE_USERS'], {
    name: 'Managers',
    users: { connect: [{ id: manager.id }] },
  })
  const restricted = await makeStaff(c, [])
  const channelGroup = await makePermissionGroup(c, ['MANAGE_STAFF', 'MANAGE_USERS'], {
    name: 'Channel A managers',
    restrictedAccessToChannels: true,
    accessibleChannels: { connect: [{ id: channelA.id }] },
    users: { connect: [{ id: restricted.id }] },
  })
  const clerk = await makeStaff(c, [])
  const clerks = await makePermissionGroup(c, ['MANAGE_USERS'], {
    name: 'Clerks',
    users: { connect: [{ id: clerk.id }] },
  })
  const support = await makeStaff(c, ['MANAGE_USERS'])
  const customer = await makeCustomer(c)
  const superuser = await makeSuperuser(c)
  const otherSuperuser = await makeSuperuser(c)
  for (const [name, row] of Object.entries({
    boss,
    manager,
    restricted,
    clerk,
    support,
    superuser,
    otherSuperuser,
    customer,
  }))
    w[name] = { id: row.id, token: await tokenFor(c, row.id) }
  for (const [name, row] of Object.entries({ full, managers, channelGroup, clerks, channelA, channelB }))
    w[name] = { id: row.id }
})

after(async () => {
  await server?.stop()
})

type Case = {
  name: string
  as: string
  code: string
  custom?: [string, () => Record<string, unknown>]
  generated?: [string, () => Record<string, unknown>]
}

const GROUP_CREATE =
  'mutation($i: PermissionGroupInput!) { r: permissionGroupCreate(input: $i) { errors { code field permissions users channels } } }'
const GROUP_UPDATE =
  'mutation($id: ID!, $i: PermissionGroupChangesInput!) { r: permissionGroupUpdate(id: $id, input: $i) { errors { code field permissions users channels } } }'
const GROUP_DELETE = 'mutation($id: ID!) { r: permissionGroupDelete(id: $id) { errors { code field permissions } } }'
const STAFF_UPDATE =
  'mutation($id: ID!, $i: StaffUpdateInput!) { r: staffUpdate(id: $id, input: $i) { errors { code field groups users permissions } } }'
const STAFF_DELETE = 'mutation($id: ID!) { r: staffDelete(id: $id) { errors { code field users permissions } } }'
const GEN_GROUP_CREATE = 'mutation($d: PermissionGroupCreateInput!) { r: createPermissionGroup(data: $d) { id } }'
const GEN_GROUP_UPDATE =
  'mutation($id: ID!, $d: PermissionGroupUpdateInput!) { r: updatePermissionGroup(where: { id: $id }, data: $d) { id } }'
const GEN_GROUP_DELETE = 'mutation($id: ID!) { r: deletePermissionGroup(where: { id: $id }) { id } }'
const GEN_USER_UPDATE =
  'mutation($id: ID!, $d: UserUpdateInput!) { r: updateUser(where: { id: $id }, data: $d) { id } }'
const GEN_USER_DELETE = 'mutation($id: ID!) { r: deleteUser(where: { id: $id }) { id } }'

const cases: Case[] = [
  {
    name: 'granting a permission one lacks',
    as: 'manager',
    code: 'OUT_OF_SCOPE_PERMISSION',
    custom: [GROUP_CREATE, () => ({ i: { name: 'orders', addPermissions: ['MANAGE_ORDERS'] } })],
    generated: [GEN_GROUP_CREATE, () => ({ d: { name: 'orders', permissions: ['MANAGE_ORDERS'] } })],
  },
  {
    name: 'adding a lacked permission to a managed group',
    as: 'manager',
    code: 'OUT_OF_SCOPE_PERMISSION',
    custom: [GROUP_UPDATE, () => ({ id: w.clerks!.id, i: { addPermissions: ['MANAGE_APPS'] } })],
    generated: [GEN_GROUP_UPDATE, () => ({ id: w.clerks!.id, d: { permissions: ['MANAGE_USERS', 'MANAGE_APPS'] } })],
  },
  {
    name: 'editing a group wider than oneself',
    as: 'manager',
    code: 'OUT_OF_SCOPE_GROUP',
    custom: [GROUP_UPDATE, () => ({ id: w.full!.id, i: { name: 'Renamed' } })],
    generated: [GEN_GROUP_UPDATE, () => ({ id: w.full!.id, d: { restrictedAccessToChannels: true } })],
  },
  {
    name: 'adding a user to a group wider than oneself',
    as: 'manager',
    code: 'OUT_OF_SCOPE_GROUP',
    custom: [STAFF_UPDATE, () => ({ id: w.clerk!.id, i: { addGroups: [w.full!.id] } })],
    generated: [
      GEN_USER_UPDATE,
      () => ({ id: w.clerk!.id, d: { permissionGroups: { connect: [{ id: w.full!.id }] } } }),
    ],
  },
  {
    name: 'managing a user wider than oneself',
    as: 'manager',
    code: 'OUT_OF_SCOPE_USER',
    custom: [GROUP_UPDATE, () => ({ id: w.managers!.id, i: { addUsers: [w.boss!.id] } })],
    generated: [GEN_GROUP_UPDATE, () => ({ id: w.managers!.id, d: { users: { connect: [{ id: w.boss!.id }] } } })],
  },
  {
    name: 'deactivating a user wider than oneself',
    as: 'manager',
    code: 'OUT_OF_SCOPE_USER',
    custom: [STAFF_UPDATE, () => ({ id: w.boss!.id, i: { isActive: false } })],
    generated: [GEN_USER_UPDATE, () => ({ id: w.boss!.id, d: { isActive: false } })],
  },
  {
    name: 'deleting a user wider than oneself',
    as: 'manager',
    code: 'OUT_OF_SCOPE_USER',
    custom: [STAFF_DELETE, () => ({ id: w.boss!.id })],
    generated: [GEN_USER_DELETE, () => ({ id: w.boss!.id })],
  },
  {
    name: 'granting a channel one cannot access',
    as: 'restricted',
    code: 'OUT_OF_SCOPE_CHANNEL',
    custom: [
      GROUP_CREATE,
      () => ({ i: { name: 'B team', addChannels: [w.channelB!.id], restrictedAccessToChannels: true } }),
    ],
    generated: [
      GEN_GROUP_CREATE,
      () => ({
        d: {
          name: 'B team',
          restrictedAccessToChannels: true,
          accessibleChannels: { connect: [{ id: w.channelB!.id }] },
        },
      }),
    ],
  },
  {
    name: 'opening a group to every channel while restricted',
    as: 'restricted',
    code: 'OUT_OF_SCOPE_CHANNEL',
    custom: [GROUP_CREATE, () => ({ i: { name: 'All channels', restrictedAccessToChannels: false } })],
    generated: [GEN_GROUP_CREATE, () => ({ d: { name: 'All channels' } })],
  },
  {
    name: 'deleting the group that alone makes permissions manageable',
    as: 'superuser',
    code: 'LEFT_NOT_MANAGEABLE_PERMISSION',
    custom: [GROUP_DELETE, () => ({ id: w.full!.id })],
    generated: [GEN_GROUP_DELETE, () => ({ id: w.full!.id })],
  },
  {
    name: 'removing MANAGE_STAFF from the group that alone holds the other permissions',
    as: 'superuser',
    code: 'LEFT_NOT_MANAGEABLE_PERMISSION',
    custom: [GROUP_UPDATE, () => ({ id: w.full!.id, i: { removePermissions: ['MANAGE_STAFF'] } })],
    generated: [
      GEN_GROUP_UPDATE,
      () => ({ id: w.full!.id, d: { permissions: PERMISSIONS.filter(p => p !== 'MANAGE_STAFF') } }),
    ],
  },
  {
    name: 'deleting the only active holder of some permissions',
    as: 'superuser',
    code: 'LEFT_NOT_MANAGEABLE_PERMISSION',
    custom: [STAFF_DELETE, () => ({ id: w.boss!.id })],
    generated: [GEN_USER_DELETE, () => ({ id: w.boss!.id })],
  },
  {
    name: 'deactivating the only active holder of some permissions',
    as: 'superuser',
    code: 'LEFT_NOT_MANAGEABLE_PERMISSION',
    custom: [STAFF_UPDATE, () => ({ id: w.boss!.id, i: { isActive: false } })],
    generated: [GEN_USER_UPDATE, () => ({ id: w.boss!.id, d: { isActive: false } })],
  },
  {
    name: "removing oneself from one's last group",
    as: 'manager',
    code: 'CANNOT_REMOVE_FROM_LAST_GROUP',
    custom: [STAFF_UPDATE, () => ({ id: w.manager!.id, i: { removeGroups: [w.managers!.id] } })],
    generated: [
      GEN_USER_UPDATE,
      () => ({ id: w.manager!.id, d: { permissionGroups: { disconnect: [{ id: w.managers!.id }] } } }),
    ],
  },
  {
    name: "removing oneself from one's last group, through the group",
    as: 'manager',
    code: 'CANNOT_REMOVE_FROM_LAST_GROUP',
    custom: [GROUP_UPDATE, () => ({ id: w.managers!.id, i: { removeUsers: [w.manager!.id] } })],
    generated: [
      GEN_GROUP_UPDATE,
      () => ({ id: w.managers!.id, d: { users: { disconnect: [{ id: w.manager!.id }] } } }),
    ],
  },
  {
    name: "deactivating one's own account",
    as: 'manager',
    code: 'DEACTIVATE_OWN_ACCOUNT',
    custom: [STAFF_UPDATE, () => ({ id: w.manager!.id, i: { isActive: false } })],
  },
  {
    name: "deleting one's own account",
    as: 'manager',
    code: 'DELETE_OWN_ACCOUNT',
    custom: [STAFF_DELETE, () => ({ id: w.manager!.id })],
  },
  {
    name: 'deactivating a superuser',
    as: 'otherSuperuser',
    code: 'DEACTIVATE_SUPERUSER_ACCOUNT',
    custom: [STAFF_UPDATE, () => ({ id: w.superuser!.id, i: { isActive: false } })],
    generated: [GEN_USER_UPDATE, () => ({ id: w.superuser!.id, d: { isActive: false } })],
  },
  {
    name: 'deleting a superuser',
    as: 'otherSuperuser',
    code: 'DELETE_SUPERUSER_ACCOUNT',
    custom: [STAFF_DELETE, () => ({ id: w.superuser!.id })],
  },
  {
    name: 'the same permission in the add and remove lists',
    as: 'manager',
    code: 'DUPLICATED_INPUT_ITEM',
    custom: [
      GROUP_UPDATE,
      () => ({ id: w.clerks!.id, i: { addPermissions: ['MANAGE_USERS'], removePermissions: ['MANAGE_USERS'] } }),
    ],
  },
  {
    name: 'the same group in addGroups and removeGroups',
    as: 'manager',
    code: 'DUPLICATED_INPUT_ITEM',
    custom: [STAFF_UPDATE, () => ({ id: w.clerk!.id, i: { addGroups: [w.clerks!.id], removeGroups: [w.clerks!.id] } })],
  },
  {
    name: 'a customer as a member of a permission group',
    as: 'manager',
    code: 'ASSIGN_NON_STAFF_MEMBER',
    custom: [GROUP_UPDATE, () => ({ id: w.clerks!.id, i: { addUsers: [w.customer!.id] } })],
    generated: [GEN_GROUP_UPDATE, () => ({ id: w.clerks!.id, d: { users: { connect: [{ id: w.customer!.id }] } } })],
  },
]

for (const rule of cases) {
  for (const [path, call] of [
    ['custom', rule.custom],
    ['generated', rule.generated],
  ] as const) {
    if (!call) continue
    test(`${rule.code}: ${rule.name} is refused on the ${path} mutation and changes nothing`, async () => {
      // given
      const before = await snapshot()
      // when
      const res = await server.gql(call[0], call[1](), { token: w[rule.as]!.token })
      // then
      if (path === 'custom') {
        assert.ok(
          res.body.data?.r?.errors?.some((e: { code: string }) => e.code === rule.code),
          JSON.stringify(res.body),
        )
      } else {
        assert.equal(res.body.data?.r ?? null, null)
        assert.match(JSON.stringify(res.body.errors), new RegExp(rule.code))
      }
      assert.equal(await snapshot(), before)
    })
  }
}

test('the generated paths refuse self-deactivation and self-deletion too (field and row access)', async () => {
  const before = await snapshot()
  const deactivate = await server.gql(
    GEN_USER_UPDATE,
    { id: w.manager!.id, d: { isActive: false } },
    { token: w.manager!.token },
  )
  const remove = await server.gql(GEN_USER_DELETE, { id: w.manager!.id }, { token: w.manager!.token })
  for (const res of [deactivate, remove]) assert.equal(res.body.errors?.[0]?.extensions?.code, 'KS_ACCESS_DENIED')
  assert.equal(await snapshot(), before)
})

test('staff errors name the offending permissions, groups and users', async () => {
  const res = await server.gql(
    GROUP_CREATE,
    { i: { name: 'x', addPermissions: ['MANAGE_ORDERS', 'MANAGE_USERS', 'MANAGE_APPS'] } },
    { token: w.manager!.token },
  )
  const error = res.body.data.r.errors.find((e: { code: string }) => e.code === 'OUT_OF_SCOPE_PERMISSION')
  assert.deepEqual([...error.permissions].sort(), ['MANAGE_APPS', 'MANAGE_ORDERS'])
})

test('a superuser passes the scope checks', async () => {
  const res = await server.gql(
    GROUP_CREATE,
    { i: { name: 'Orders team', addPermissions: ['MANAGE_ORDERS'], addUsers: [w.clerk!.id] } },
    { token: w.superuser!.token },
  )
  assert.deepEqual(res.body.data.r.errors, [])
})

test('customer mutations never touch a staff user', async () => {
  const before = await snapshot()
  const update = await server.gql(
    'mutation($id: ID!) { customerUpdate(id: $id, input: { firstName: "x" }) { errors { code } } }',
    { id: w.clerk!.id },
    { token: w.boss!.token },
  )
  const remove = await server.gql(
    'mutation($id: ID!) { customerDelete(id: $id) { errors { code } } }',
    { id: w.clerk!.id },
    { token: w.boss!.token },
  )
  assert.equal(update.body.data.customerUpdate.errors[0].code, 'NOT_FOUND')
  assert.equal(remove.body.data.customerDelete.errors[0].code, 'NOT_FOUND')
  assert.equal(await snapshot(), before)
})

test('customerBulkDelete refuses more than 100 ids and deletes nothing', async () => {
  const before = await snapshot()
  const res = await server.gql(
    'mutation($ids: [ID!]!) { customerBulkDelete(ids: $ids) { count errors { code field } } }',
    { ids: Array.from({ length: 101 }, (_, i) => `id-${i}`) },
    { token: w.support!.token },
  )
  // refused before any resolver runs: the request carries more list items than any input list may hold
  assert.equal(res.status, 400)
  assert.equal(res.body.errors?.[0]?.extensions?.code, 'REQUEST_TOO_LARGE')
  assert.equal(await snapshot(), before)
})

test('support staff (MANAGE_USERS only) cannot reach MANAGE_STAFF by any sequence of calls', async () => {
  const token = w.support!.token
  const me = w.support!.id
  const attempts: [string, Record<string, unknown>][] = [
    [GEN_GROUP_CREATE, { d: { name: 'mine', permissions: ['MANAGE_STAFF'], users: { connect: [{ id: me }] } } }],
    [GROUP_CREATE, { i: { name: 'mine', addPermissions: ['MANAGE_STAFF'], addUsers: [me] } }],
    [GEN_GROUP_UPDATE, { id: w.full!.id, d: { users: { connect: [{ id: me }] } } }],
    [GROUP_UPDATE, { id: w.full!.id, i: { addUsers: [me] } }],
    [GROUP_UPDATE, { id: w.clerks!.id, i: { addPermissions: ['MANAGE_STAFF'] } }],
    [GEN_USER_UPDATE, { id: me, d: { permissionGroups: { connect: [{ id: w.full!.id }] } } }],
    [GEN_USER_UPDATE, { id: me, d: { isSuperuser: true } }],
    [STAFF_UPDATE, { id: me, i: { addGroups: [w.managers!.id] } }],
    ['mutation { r: staffCreate(input: { email: "sock@example.com", addGroups: [] }) { errors { code } } }', {}],
    [
      'mutation($g: ID!) { r: createUser(data: { email: "puppet@example.com", isStaff: true, permissionGroups: { connect: [{ id: $g }] } }) { id } }',
      { g: w.full!.id },
    ],
    ['mutation { r: customerCreate(input: { email: "puppet2@example.com" }) { user { id } errors { code } } }', {}],
  ]
  for (const [query, variables] of attempts) await server.gql(query, variables, { token })
  const mine = await server.gql('{ me { userPermissions permissionGroups { id } } }', {}, { token })
  assert.deepEqual(mine.body.data.me.userPermissions, ['MANAGE_USERS'])
  const staffCount = await server.context.prisma.user.count({
    where: { email: { in: ['sock@example.com', 'puppet@example.com'] } },
  })
  assert.equal(staffCount, 0)
  const groups = await server.context.prisma.permissionGroup.findMany({ where: { users: { some: { id: me } } } })
  assert.ok(groups.every(g => !(g.permissions as string[]).includes('MANAGE_STAFF')))
})

test("a narrower manager cannot reset a wider staff member's password or email through the generated updateUser", async () => {
  const before = await snapshot()
  const passwordBefore = (await server.context.prisma.user.findUnique({ where: { id: w.boss!.id } }))!.password
  const password = await server.gql(
    GEN_USER_UPDATE,
    { id: w.boss!.id, d: { password: 'attacker chosen password' } },
    { token: w.manager!.token },
  )
  const email = await server.gql(
    GEN_USER_UPDATE,
    { id: w.boss!.id, d: { email: 'attacker@example.com' } },
    { token: w.manager!.token },
  )
  for (const res of [password, email]) {
    assert.equal(res.body.data?.r ?? null, null)
    assert.match(JSON.stringify(res.body.errors), /OUT_OF_SCOPE_USER/)
  }
  assert.equal((await server.context.prisma.user.findUnique({ where: { id: w.boss!.id } }))!.password, passwordBefore)
  assert.equal(await snapshot(), before)
})

test("a restricted manager cannot widen a group's channels from the channel side", async () => {
  const before = await snapshot()
  const res = await server.gql(
    'mutation($id: ID!, $g: ID!) { r: updateChannel(where: { id: $id }, data: { permissionGroups: { connect: [{ id: $g }] } }) { id } }',
    { id: w.channelB!.id, g: w.channelGroup!.id },
    { token: w.superuser!.token },
  )
  assert.equal(res.body.data?.r ?? null, null)
  assert.equal(await snapshot(), before)
})

test('out-of-scope errors name the input field that carried the offending items', async () => {
  // given
  const before = await snapshot()
  // when
  const created = await server.gql(
    GROUP_CREATE,
    { i: { name: 'orders', addPermissions: ['MANAGE_ORDERS'] } },
    { token: w.manager!.token },
  )
  const staff = await server.gql(
    'mutation($i: StaffCreateInput!) { r: staffCreate(input: $i) { errors { code field groups } } }',
    { i: { email: 'scoped-new-staff@example.com', addGroups: [w.full!.id] } },
    { token: w.manager!.token },
  )
  const promoted = await server.gql(
    'mutation($i: StaffCreateInput!) { r: staffCreate(input: $i) { errors { code field groups } } }',
    {
      i: {
        email: (await server.context.prisma.user.findUniqueOrThrow({ where: { id: w.customer!.id } })).email,
        addGroups: [w.full!.id],
      },
    },
    { token: w.manager!.token },
  )
  // then
  assert.deepEqual(
    created.body.data.r.errors.map((e: { code: string; field: string }) => [e.code, e.field]),
    [['OUT_OF_SCOPE_PERMISSION', 'addPermissions']],
  )
  for (const res of [staff, promoted]) {
    assert.deepEqual(
      res.body.data.r.errors.map((e: { code: string; field: string; groups: string[] }) => [e.code, e.field, e.groups]),
      [['OUT_OF_SCOPE_GROUP', 'addGroups', [w.full!.id]]],
    )
  }
  assert.equal(await snapshot(), before)
})

// a staff user alone in a group of its own that the other managers also cover (MANAGE_STAFF and
// MANAGE_USERS), so that nothing but the last-group rule can refuse what it does with that group
async function loneManager() {
  const c = server.context
  const user = await makeStaff(c, [])
  const group = await makePermissionGroup(c, ['MANAGE_STAFF', 'MANAGE_USERS'], {
    users: { connect: [{ id: user.id }] },
  })
  return { id: user.id, token: await tokenFor(c, user.id), group: group.id }
}

async function groupsOf(userId: string): Promise<string[]> {
  const groups = await server.context.prisma.permissionGroup.findMany({ where: { users: { some: { id: userId } } } })
  return groups.map(g => g.id).sort()
}

test('CANNOT_REMOVE_FROM_LAST_GROUP: removing oneself from a group one is not in is no change, and not refused', async () => {
  // given the manager, whose one group is Managers
  const before = await snapshot()
  // when it removes itself from Clerks, which it is not in
  const res = await server.gql(
    GROUP_UPDATE,
    { id: w.clerks!.id, i: { removeUsers: [w.manager!.id] } },
    { token: w.manager!.token },
  )
  // then nothing is refused and nothing changed
  assert.deepEqual(res.body.data?.r?.errors, [], JSON.stringify(res.body))
  assert.equal(await snapshot(), before)
})

test('CANNOT_REMOVE_FROM_LAST_GROUP: leaving the last group for another in one staffUpdate is accepted', async () => {
  // given a manager alone in its group, and another group it may hand out
  const lone = await loneManager()
  const other = await makePermissionGroup(server.context, ['MANAGE_USERS'])
  // when it leaves its group and joins the other in the same change
  const res = await server.gql(
    STAFF_UPDATE,
    { id: lone.id, i: { removeGroups: [lone.group], addGroups: [other.id] } },
    { token: lone.token },
  )
  // then it is accepted: after the change it still has a group
  assert.deepEqual(res.body.data?.r?.errors, [], JSON.stringify(res.body))
  assert.deepEqual(await groupsOf(lone.id), [other.id])
})

test('CANNOT_REMOVE_FROM_LAST_GROUP: deleting the last group one is in is refused on both paths and deletes nothing', async () => {
  // given a manager alone in its group
  const lone = await loneManager()
  const before = await snapshot()
  // when it deletes that group through permissionGroupDelete and through the generated deletePermissionGroup
  const custom = await server.gql(GROUP_DELETE, { id: lone.group }, { token: lone.token })
  const generated = await server.gql(GEN_GROUP_DELETE, { id: lone.group }, { token: lone.token })
  // then both are refused, and the group and its member are still there
  assert.deepEqual(
    custom.body.data?.r?.errors?.map((e: { code: string; field: string }) => [e.code, e.field]),
    [['CANNOT_REMOVE_FROM_LAST_GROUP', 'id']],
    JSON.stringify(custom.body),
  )
  assert.equal(generated.body.data?.r ?? null, null)
  assert.match(JSON.stringify(generated.body.errors), /CANNOT_REMOVE_FROM_LAST_GROUP/)
  assert.equal(await snapshot(), before)
  assert.deepEqual(await groupsOf(lone.id), [lone.group])
})
