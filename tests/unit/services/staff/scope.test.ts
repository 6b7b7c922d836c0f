// services/staff/scope.ts: every staff scope rule, each through the one entry point
// (judgeStaffChange), on a small state served by a stub transaction instead of a database.
import '../../../helpers/env'
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { Context } from '../../../../generated/keystone/types'
import type { Session } from '../../../../services/identity/sessions'
import { PERMISSIONS, effectivePermissions, type Permission } from '../../../../services/identity/permissionCodes'
import { DomainError } from '../../../../services/kernel'
import { assertStaffChange, judgeStaffChange, type GroupChange, type StaffChange } from '../../../../services/staff'

type GroupRow = { id: string; permissions: Permission[]; users: string[]; restricted?: boolean; channels?: string[] }
type UserRow = { id: string; isActive?: boolean; isStaff?: boolean; isSuperuser?: boolean }

// boss holds everything, manager MANAGE_STAFF + MANAGE_USERS, clerk MANAGE_USERS, support MANAGE_USERS
// (no MANAGE_STAFF), channelLead MANAGE_STAFF + MANAGE_USERS in channel A only; root is a superuser,
// shopper a customer
const GROUPS: GroupRow[] = [
  { id: 'full', permissions: [...PERMISSIONS], users: ['boss'] },
  { id: 'managers', permissions: ['MANAGE_STAFF', 'MANAGE_USERS'], users: ['manager'] },
  { id: 'clerks', permissions: ['MANAGE_USERS'], users: ['clerk', 'support'] },
  {
    id: 'channelA',
    permissions: ['MANAGE_STAFF', 'MANAGE_USERS'],
    users: ['channelLead'],
    restricted: true,
    channels: ['A'],
  },
]
const USERS: UserRow[] = [
  { id: 'boss' },
  { id: 'manager' },
  { id: 'clerk' },
  { id: 'support' },
  { id: 'channelLead' },
  { id: 'root', isSuperuser: true },
  { id: 'shopper', isStaff: false },
]

// the two reads judgeStaffChange makes, answered as Prisma would (on SQLite: no lock is taken)
const tx = {
  prisma: {
    permissionGroup: {
      findMany: async () =>
        GROUPS.map(g => ({
          id: g.id,
          name: g.id,
          permissions: g.permissions,
          restrictedAccessToChannels: g.restricted ?? false,
          users: g.users.map(id => ({ id })),
          accessibleChannels: (g.channels ?? []).map(id => ({ id })),
        })),
    },
    user: {
      findMany: async ({ where }: { where: { OR: [unknown, { id: { in: string[] } }] } }) =>
        USERS.map(u => ({
          id: u.id,
          isActive: u.isActive ?? true,
          isStaff: u.isStaff ?? true,
          isSuperuser: u.isSuperuser ?? false,
          isConfirmed: true,
        })).filter(u => u.isStaff || where.OR[1].id.in.includes(u.id)),
    },
  },
} as unknown as Context

function actor(id: string): Session {
  const user = USERS.find(u => u.id === id)!
  const permissionGroups = GROUPS.filter(g => g.users.includes(id))
  const data = { id, isActive: true, isStaff: user.isStaff ?? true, isSuperuser: user.isSuperuser ?? false }
  return {
    listKey: 'User',
    itemId: id,
    via: 'jwt',
    data: { ...data, userPermissions: effectivePermissions({ ...data, permissionGroups }) },
  }
}

async function problems(id: string, change: StaffChange) {
  return (await judgeStaffChange(tx, actor(id), change)).map(e => [e.code, e.field])
}

test('a manager may move a clerk into a group it fully holds', async () => {
  // given a manager holding MANAGE_STAFF and MANAGE_USERS
  // when it adds a clerk to its own group
  const found = await problems('manager', { users: [{ kind: 'update', userId: 'clerk', addGroups: ['managers'] }] })
  // then nothing is wrong
  assert.deepEqual(found, [])
})

test('OUT_OF_SCOPE_PERMISSION: granting a permission one lacks names the field that carried it', async () => {
  // when
  const found = await judgeStaffChange(tx, actor('manager'), {
    groups: [{ kind: 'update', groupId: 'clerks', addPermissions: ['MANAGE_ORDERS'] }],
  })
  // then
  assert.deepEqual(
    found.map(e => [e.code, e.field, e.permissions]),
    [['OUT_OF_SCOPE_PERMISSION', 'addPermissions', ['MANAGE_ORDERS']]],
  )
})

test('OUT_OF_SCOPE_PERMISSION: managing groups or staff takes MANAGE_STAFF', async () => {
  // when support (MANAGE_USERS only) edits its own group, or promotes a customer
  const group = await problems('support', { groups: [{ kind: 'update', groupId: 'clerks', removeUsers: ['clerk'] }] })
  const promotion = await problems('support', { users: [{ kind: 'update', userId: 'shopper', isStaff: true }] })
  // then
  assert.deepEqual(group, [['OUT_OF_SCOPE_PERMISSION', null]])
  assert.deepEqual(promotion, [['OUT_OF_SCOPE_PERMISSION', null]])
})

test('OUT_OF_SCOPE_PERMISSION: creating staff takes MANAGE_STAFF, creating a customer MANAGE_USERS', async () => {
  // given support, which holds MANAGE_USERS only
  // when it creates a staff user and a customer
  const staff = await judgeStaffChange(tx, actor('support'), { users: [{ kind: 'create', isStaff: true }] })
  const customer = await judgeStaffChange(tx, actor('support'), { users: [{ kind: 'create', isStaff: false }] })
  // then only the staff user is refused, with the permission it lacks
  assert.deepEqual(
    staff.map(e => [e.code, e.permissions]),
    [['OUT_OF_SCOPE_PERMISSION', ['MANAGE_STAFF']]],
  )
  assert.deepEqual(customer, [])
})

test('OUT_OF_SCOPE_PERMISSION on isSuperuser: only a superuser grants or removes superuser status', async () => {
  // when the boss (every permission, not a superuser) grants it, and a superuser does
  const byBoss = await problems('boss', { users: [{ kind: 'update', userId: 'clerk', isSuperuser: true }] })
  const created = await problems('boss', { users: [{ kind: 'create', isStaff: true, isSuperuser: true }] })
  const byRoot = await problems('root', { users: [{ kind: 'update', userId: 'clerk', isSuperuser: true }] })
  // then
  assert.deepEqual(byBoss, [['OUT_OF_SCOPE_PERMISSION', 'isSuperuser']])
  assert.deepEqual(created, [['OUT_OF_SCOPE_PERMISSION', 'isSuperuser']])
  assert.deepEqual(byRoot, [])
})

test('OUT_OF_SCOPE_GROUP: handing out, or editing, a group wider than oneself', async () => {
  // when
  const handOut = await judgeStaffChange(tx, actor('manager'), {
    users: [{ kind: 'update', userId: 'clerk', addGroups: ['full'] }],
  })
  const onCreate = await problems('manager', { users: [{ kind: 'create', isStaff: true, addGroups: ['full'] }] })
  const edit = await problems('manager', {
    groups: [{ kind: 'update', groupId: 'full', restrictedAccessToChannels: true }],
  })
  // then
  assert.deepEqual(
    handOut.map(e => [e.code, e.field, e.groups]),
    [['OUT_OF_SCOPE_GROUP', 'addGroups', ['full']]],
  )
  assert.deepEqual(onCreate, [['OUT_OF_SCOPE_GROUP', 'addGroups']])
  assert.deepEqual(edit, [['OUT_OF_SCOPE_GROUP', null]])
})

test('OUT_OF_SCOPE_USER: changing, or moving, a user wider than oneself', async () => {
  // when
  const email = await problems('manager', { users: [{ kind: 'update', userId: 'boss' }] })
  const moved = await problems('manager', { groups: [{ kind: 'update', groupId: 'managers', addUsers: ['boss'] }] })
  const deleted = await problems('manager', { users: [{ kind: 'delete', userId: 'boss' }] })
  // then (deleting the boss also strands its permissions)
  assert.deepEqual(email, [['OUT_OF_SCOPE_USER', 'id']])
  assert.deepEqual(moved, [['OUT_OF_SCOPE_USER', 'users']])
  assert.deepEqual(deleted, [
    ['OUT_OF_SCOPE_USER', 'id'],
    ['LEFT_NOT_MANAGEABLE_PERMISSION', null],
  ])
})

test('OUT_OF_SCOPE_CHANNEL: a channel-restricted manager grants no other channel and opens no group to all', async () => {
  // when
  const other = await problems('channelLead', {
    groups: [{ kind: 'create', addChannels: ['B'], restrictedAccessToChannels: true }],
  })
  const open = await problems('channelLead', { groups: [{ kind: 'create' }] })
  const own = await problems('channelLead', {
    groups: [{ kind: 'create', addChannels: ['A'], restrictedAccessToChannels: true }],
  })
  // then
  assert.deepEqual(other, [['OUT_OF_SCOPE_CHANNEL', 'channels']])
  assert.deepEqual(open, [['OUT_OF_SCOPE_CHANNEL', 'channels']])
  assert.deepEqual(own, [])
})

test('LEFT_NOT_MANAGEABLE_PERMISSION: not even a superuser strands a permission; superusers do not count as managers', async () => {
  // when root deletes the one group that holds MANAGE_ORDERS beside MANAGE_STAFF
  const found = await judgeStaffChange(tx, actor('root'), { groups: [{ kind: 'delete', groupId: 'full' }] })
  // then the permissions only that group made manageable are named
  assert.deepEqual(
    found.map(e => e.code),
    ['LEFT_NOT_MANAGEABLE_PERMISSION'],
  )
  assert.ok(found[0]!.permissions!.includes('MANAGE_ORDERS'))
  assert.ok(!found[0]!.permissions!.includes('MANAGE_USERS'))
})

test('CANNOT_REMOVE_FROM_LAST_GROUP: from the user side and from the group side', async () => {
  // when
  const userSide = await problems('manager', {
    users: [{ kind: 'update', userId: 'manager', removeGroups: ['managers'] }],
  })
  const groupSide = await problems('manager', {
    groups: [{ kind: 'update', groupId: 'managers', removeUsers: ['manager'] }],
  })
  // then
  assert.deepEqual(userSide, [['CANNOT_REMOVE_FROM_LAST_GROUP', 'removeGroups']])
  assert.deepEqual(groupSide, [['CANNOT_REMOVE_FROM_LAST_GROUP', 'removeUsers']])
})

test('CANNOT_REMOVE_FROM_LAST_GROUP is judged on the state after: leaving a group one is not in is no change', async () => {
  // given the manager, in one group (managers), and root, a superuser in none
  // when each "leaves" a group it is not in, from the group side and from the user side
  const groupSide = await problems('manager', {
    groups: [{ kind: 'update', groupId: 'clerks', removeUsers: ['manager'] }],
  })
  const userSide = await problems('root', { users: [{ kind: 'update', userId: 'root', removeGroups: ['clerks'] }] })
  // then nothing is refused: the actor keeps every group it had
  assert.deepEqual(groupSide, [])
  assert.deepEqual(userSide, [])
})

test('CANNOT_REMOVE_FROM_LAST_GROUP: leaving one group for another in the same change keeps a group', async () => {
  // when the manager leaves its only group and joins the clerks in one change
  const found = await problems('manager', {
    users: [{ kind: 'update', userId: 'manager', removeGroups: ['managers'], addGroups: ['clerks'] }],
  })
  // then it still has a group after the change
  assert.deepEqual(found, [])
})

test('CANNOT_REMOVE_FROM_LAST_GROUP: deleting the last group one is in, refused once on id', async () => {
  // when the manager deletes its only group (its permissions stay manageable through the boss)
  const deleted = await problems('manager', { groups: [{ kind: 'delete', groupId: 'managers' }] })
  // and leaves it from both sides in one change
  const both = await judgeStaffChange(tx, actor('manager'), {
    groups: [{ kind: 'update', groupId: 'managers', removeUsers: ['manager'] }],
    users: [{ kind: 'update', userId: 'manager', removeGroups: ['managers'] }],
  })
  // then
  assert.deepEqual(deleted, [['CANNOT_REMOVE_FROM_LAST_GROUP', 'id']])
  assert.deepEqual(
    both.map(e => [e.code, e.field, e.users]),
    [['CANNOT_REMOVE_FROM_LAST_GROUP', 'removeUsers', ['manager']]],
  )
})

test('DEACTIVATE_OWN_ACCOUNT and DELETE_OWN_ACCOUNT', async () => {
  assert.deepEqual(await problems('manager', { users: [{ kind: 'update', userId: 'manager', isActive: false }] }), [
    ['DEACTIVATE_OWN_ACCOUNT', 'isActive'],
  ])
  assert.deepEqual(await problems('manager', { users: [{ kind: 'delete', userId: 'manager' }] }), [
    ['DELETE_OWN_ACCOUNT', 'id'],
  ])
})

test('DEACTIVATE_SUPERUSER_ACCOUNT and DELETE_SUPERUSER_ACCOUNT, whoever asks', async () => {
  // given the boss, who holds every permission but is no superuser
  const deactivate = await problems('boss', { users: [{ kind: 'update', userId: 'root', isActive: false }] })
  const remove = await problems('boss', { users: [{ kind: 'delete', userId: 'root' }] })
  // then
  assert.deepEqual(deactivate, [['DEACTIVATE_SUPERUSER_ACCOUNT', 'isActive']])
  assert.deepEqual(remove, [['DELETE_SUPERUSER_ACCOUNT', 'id']])
})

test('DUPLICATED_INPUT_ITEM: the same item in an add and a remove list', async () => {
  assert.deepEqual(
    await problems('manager', {
      users: [{ kind: 'update', userId: 'clerk', addGroups: ['clerks'], removeGroups: ['clerks'] }],
    }),
    [['DUPLICATED_INPUT_ITEM', 'groups']],
  )
  const group: GroupChange = {
    kind: 'update',
    groupId: 'clerks',
    addPermissions: ['MANAGE_USERS'],
    removePermissions: ['MANAGE_USERS'],
  }
  assert.deepEqual(await problems('manager', { groups: [group] }), [['DUPLICATED_INPUT_ITEM', 'permissions']])
})

test('ASSIGN_NON_STAFF_MEMBER: only staff join a group, judged on the state after the change', async () => {
  // when a customer joins from either side, a customer is created with groups, or is promoted as it joins
  const viaGroup = await judgeStaffChange(tx, actor('root'), {
    groups: [{ kind: 'update', groupId: 'clerks', addUsers: ['shopper'] }],
  })
  const viaUser = await problems('root', { users: [{ kind: 'update', userId: 'shopper', addGroups: ['clerks'] }] })
  const created = await problems('root', { users: [{ kind: 'create', isStaff: false, addGroups: ['clerks'] }] })
  const promoted = await problems('root', {
    users: [{ kind: 'update', userId: 'shopper', isStaff: true, addGroups: ['clerks'] }],
  })
  // then
  assert.deepEqual(
    viaGroup.map(e => [e.code, e.field, e.users]),
    [['ASSIGN_NON_STAFF_MEMBER', 'addUsers', ['shopper']]],
  )
  assert.deepEqual(viaUser, [['ASSIGN_NON_STAFF_MEMBER', 'addGroups']])
  assert.deepEqual(created, [['ASSIGN_NON_STAFF_MEMBER', 'addGroups']])
  assert.deepEqual(promoted, [])
})

test('NOT_FOUND and INVALID: unknown groups and unknown permissions', async () => {
  assert.deepEqual(await problems('root', { groups: [{ kind: 'update', groupId: 'nope' }] }), [['NOT_FOUND', 'id']])
  assert.deepEqual(await problems('root', { users: [{ kind: 'update', userId: 'clerk', addGroups: ['nope'] }] }), [
    ['NOT_FOUND', 'groups'],
  ])
  assert.deepEqual(
    await problems('root', { groups: [{ kind: 'update', groupId: 'clerks', addPermissions: ['ROOT'] }] }),
    [['INVALID', 'permissions']],
  )
})

test("a customer's own profile and one's own names need no scope; another staff user's do", async () => {
  // given no session at all for the customer (a plain sudo write), and the clerk
  const customer = await judgeStaffChange(tx, undefined, { users: [{ kind: 'update', userId: 'shopper' }] })
  const own = await problems('clerk', { users: [{ kind: 'update', userId: 'clerk' }] })
  const other = await problems('clerk', { users: [{ kind: 'update', userId: 'support' }] })
  // then only the change to another staff user is refused (the clerk lacks MANAGE_STAFF)
  assert.deepEqual(customer, [])
  assert.deepEqual(own, [])
  assert.deepEqual(other, [['OUT_OF_SCOPE_PERMISSION', null]])
})

test('without a session nothing that needs scope passes', async () => {
  // when
  const found = await judgeStaffChange(tx, undefined, { users: [{ kind: 'create', isStaff: true, isSuperuser: true }] })
  // then
  assert.deepEqual(
    found.map(e => [e.code, e.field]),
    [
      ['OUT_OF_SCOPE_PERMISSION', null],
      ['OUT_OF_SCOPE_PERMISSION', 'isSuperuser'],
    ],
  )
})

test('assertStaffChange throws one DomainError carrying every problem', async () => {
  // when
  const thrown = await assertStaffChange(tx, actor('manager'), {
    users: [{ kind: 'update', userId: 'boss', isActive: false }],
  }).then(
    () => null,
    e => e,
  )
  // then
  assert.ok(thrown instanceof DomainError)
  assert.deepEqual(
    thrown.errors.map(e => e.code),
    ['OUT_OF_SCOPE_USER', 'LEFT_NOT_MANAGEABLE_PERMISSION'],
  )
})
