// access/rules.ts and access/fields.ts as plain functions of a session.
import '../../helpers/env'
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { Session } from '../../../services/identity/sessions'
import { deletableUsers, readableAddresses, readableUsers } from '../../../access/rules'
import { managesUser } from '../../../access/fields'
import type { Permission } from '../../../services/identity/permissionCodes'

function session(data: Partial<Session['data']> & { permissions?: Permission[] } = {}): Session {
  const { permissions = [], ...rest } = data
  return {
    listKey: 'User',
    itemId: 'me',
    via: 'jwt',
    data: { id: 'me', isActive: true, isStaff: false, isSuperuser: false, userPermissions: permissions, ...rest },
  }
}

const self = { id: { equals: 'me' } }

test('readableUsers gives an anonymous caller no rows and a customer only itself', () => {
  assert.equal(readableUsers({}), false)
  assert.deepEqual(readableUsers({ session: session() }), self)
})

test('readableUsers gives a deactivated user nothing, whatever its permissions', () => {
  assert.equal(
    readableUsers({ session: session({ isActive: false, isStaff: true, permissions: ['MANAGE_USERS'] }) }),
    false,
  )
})

test('readableUsers gives MANAGE_USERS customers, MANAGE_STAFF staff, and both everyone', () => {
  assert.deepEqual(readableUsers({ session: session({ isStaff: true, permissions: ['MANAGE_USERS'] }) }), {
    OR: [{ isStaff: { equals: false } }, self],
  })
  assert.deepEqual(readableUsers({ session: session({ isStaff: true, permissions: ['MANAGE_STAFF'] }) }), {
    OR: [{ isStaff: { equals: true } }, self],
  })
  assert.equal(
    readableUsers({ session: session({ isStaff: true, permissions: ['MANAGE_USERS', 'MANAGE_STAFF'] }) }),
    true,
  )
})

test('permissions held by a user who is not staff count for nothing', () => {
  assert.deepEqual(readableUsers({ session: session({ isStaff: false, permissions: ['MANAGE_USERS'] }) }), self)
})

test('deletableUsers never includes oneself or a superuser', () => {
  const filter = deletableUsers({ session: session({ isStaff: true, isSuperuser: true }) })
  assert.deepEqual(filter, { AND: [{ NOT: [self] }, { isSuperuser: { equals: false } }] })
  assert.equal(deletableUsers({ session: session() }), false)
})

test('readableAddresses follows readableUsers through the owner', () => {
  assert.deepEqual(readableAddresses({ session: session() }), { user: self })
  assert.equal(readableAddresses({}), false)
})

test('managesUser: MANAGE_USERS manages customers, not staff; MANAGE_STAFF the reverse', () => {
  const support = session({ isStaff: true, permissions: ['MANAGE_USERS'] })
  const staffManager = session({ isStaff: true, permissions: ['MANAGE_STAFF'] })
  assert.equal(managesUser({ session: support, item: { id: 'c', isStaff: false } }), true)
  assert.equal(managesUser({ session: support, item: { id: 's', isStaff: true } }), false)
  assert.equal(managesUser({ session: staffManager, item: { id: 'c', isStaff: false } }), false)
  assert.equal(managesUser({ session: staffManager, item: { id: 's', isStaff: true } }), true)
  assert.equal(managesUser({ session: session(), item: { id: 'me', isStaff: false } }), false)
})
