// services/staff/scope.ts as a pure function of a state, a session and a change.
import '../../../helpers/env'
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { Session } from '../../../../services/identity/sessions'
import { permissionsOf, scopeProblems, type ScopeState } from '../../../../services/staff/scope'
import { PERMISSIONS, type Permission } from '../../../../services/identity/permissionCodes'

function state (): ScopeState {
  const group = (id: string, permissions: Permission[], userIds: string[], restricted = false, channelIds: string[] = []) =>
    [id, { id, name: id, permissions: new Set(permissions), userIds: new Set(userIds), restricted, channelIds: new Set(channelIds) }] as const
  const user = (id: string, extra: Partial<{ isActive: boolean, isSuperuser: boolean, isStaff: boolean }> = {}) =>
    [id, { id, email: `${id}@example.com`, isActive: true, isStaff: true, isSuperuser: false, ...extra }] as const
  return {
    groups: new Map([group('full', [...PERMISSIONS], ['boss']), group('managers', ['MANAGE_STAFF', 'MANAGE_USERS'], ['manager']), group('clerks', ['MANAGE_USERS'], ['clerk'])]),
    users: new Map([user('boss'), user('manager'), user('clerk'), user('root', { isSuperuser: true }), user('shopper', { isStaff: false })]),
  }
}

function session (s: ScopeState, id: string): Session {
  const user = s.users.get(id)!
  return { listKey: 'User', itemId: id, via: 'jwt', data: { id, isActive: true, isStaff: true, isSuperuser: user.isSuperuser, userPermissions: [...permissionsOf(s, id)] } }
}

const codes = (errors: { code: string }[]) => errors.map(e => e.code).sort()

test('permissionsOf unites group permissions for active staff only, and gives a superuser everything', () => {
  const s = state()
  assert.deepEqual([...permissionsOf(s, 'manager')].sort(), ['MANAGE_STAFF', 'MANAGE_USERS'])
  assert.equal(permissionsOf(s, 'root').size, PERMISSIONS.length)
  assert.equal(permissionsOf(s, 'shopper').size, 0)
})

test('a manager may move a clerk between groups it fully holds', () => {
  const s = state()
  assert.deepEqual(scopeProblems(s, session(s, 'manager'), { users: [{ userId: 'clerk', addGroups: ['managers'] }] }), [])
})

test('a manager may not hand out a wider group, touch a wider user, or grant a lacked permission', () => {
  const s = state()
  const actor = session(s, 'manager')
  assert.deepEqual(codes(scopeProblems(s, actor, { users: [{ userId: 'clerk', addGroups: ['full'] }] })), ['OUT_OF_SCOPE_GROUP'])
  // deactivating the boss would also strand permissions: both are reported together
  assert.deepEqual(codes(scopeProblems(s, actor, { users: [{ userId: 'boss', isActive: false }] })), ['LEFT_NOT_MANAGEABLE_PERMISSION', 'OUT_OF_SCOPE_USER'])
  assert.deepEqual(codes(scopeProblems(s, actor, { groups: [{ groupId: 'clerks', addPermissions: ['MANAGE_ORDERS'] }] })), ['OUT_OF_SCOPE_PERMISSION'])
})

test('a superuser passes scope checks but still may not strand permissions', () => {
  const s = state()
  const actor = session(s, 'root')
  assert.deepEqual(scopeProblems(s, actor, { groups: [{ groupId: 'clerks', addPermissions: ['MANAGE_ORDERS'] }] }), [])
  const stranded = scopeProblems(s, actor, { groups: [{ groupId: 'full', delete: true }] })
  assert.deepEqual(codes(stranded), ['LEFT_NOT_MANAGEABLE_PERMISSION'])
  assert.ok(stranded[0]!.permissions!.includes('MANAGE_ORDERS'))
  assert.ok(!stranded[0]!.permissions!.includes('MANAGE_USERS'))
})

test('self-protection: no removal from one\'s last group, no self-deactivation or deletion; superusers are never deactivated or deleted', () => {
  const s = state()
  assert.deepEqual(codes(scopeProblems(s, session(s, 'manager'), { users: [{ userId: 'manager', removeGroups: ['managers'] }] })), ['CANNOT_REMOVE_FROM_LAST_GROUP'])
  assert.deepEqual(codes(scopeProblems(s, session(s, 'manager'), { users: [{ userId: 'manager', isActive: false }] })), ['DEACTIVATE_OWN_ACCOUNT'])
  assert.deepEqual(codes(scopeProblems(s, session(s, 'manager'), { users: [{ userId: 'manager', delete: true }] })), ['DELETE_OWN_ACCOUNT'])
  assert.ok(codes(scopeProblems(s, session(s, 'boss'), { users: [{ userId: 'root', delete: true }] })).includes('DELETE_SUPERUSER_ACCOUNT'))
})

test('overlapping add and remove lists and non-staff members are refused', () => {
  const s = state()
  const actor = session(s, 'root')
  assert.deepEqual(codes(scopeProblems(s, actor, { groups: [{ groupId: 'clerks', addUsers: ['shopper'] }] })), ['ASSIGN_NON_STAFF_MEMBER'])
  assert.deepEqual(codes(scopeProblems(s, actor, { users: [{ userId: 'clerk', addGroups: ['clerks'], removeGroups: ['clerks'] }] })), ['DUPLICATED_INPUT_ITEM'])
})
