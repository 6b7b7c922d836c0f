// services/identity/permissionCodes.ts: effective permissions.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { PERMISSIONS, effectiveChannels, effectivePermissions } from '../../../../services/identity/permissionCodes'

const staff = { isActive: true, isStaff: true, isSuperuser: false }

test('effectivePermissions unites the permissions of every group, in enum order, without duplicates', () => {
  const groups = [{ permissions: ['MANAGE_STAFF', 'MANAGE_USERS'] }, { permissions: ['MANAGE_USERS', 'MANAGE_ORDERS'] }]
  assert.deepEqual(effectivePermissions({ ...staff, permissionGroups: groups }), [
    'MANAGE_USERS',
    'MANAGE_STAFF',
    'MANAGE_ORDERS',
  ])
})

test('effectivePermissions gives a superuser everything and a customer or inactive staff nothing', () => {
  assert.deepEqual(effectivePermissions({ ...staff, isSuperuser: true, permissionGroups: [] }), [...PERMISSIONS])
  const groups = [{ permissions: ['MANAGE_USERS'] }]
  assert.deepEqual(effectivePermissions({ ...staff, isStaff: false, permissionGroups: groups }), [])
  assert.deepEqual(effectivePermissions({ ...staff, isActive: false, permissionGroups: groups }), [])
})

test('effectivePermissions ignores values that are not permissions', () => {
  assert.deepEqual(
    effectivePermissions({
      ...staff,
      permissionGroups: [{ permissions: ['ROOT', 42, 'MANAGE_APPS'] }, { permissions: null }],
    }),
    ['MANAGE_APPS'],
  )
})

test('effectivePermissions without superuserHoldsAll gives a superuser only what its groups grant', () => {
  // given a superuser in one group
  const root = { ...staff, isSuperuser: true, permissionGroups: [{ permissions: new Set(['MANAGE_STAFF']) }] }
  // when / then
  assert.deepEqual(effectivePermissions(root, { superuserHoldsAll: false }), ['MANAGE_STAFF'])
  assert.deepEqual(effectivePermissions(root), [...PERMISSIONS])
})

test("effectiveChannels: every channel for a superuser or any unrestricted group, else the union of the groups' channels", () => {
  const restricted = (...channelIds: string[]) => ({ restrictedAccessToChannels: true, channelIds })
  assert.equal(effectiveChannels({ isSuperuser: true }, [restricted('a')]), 'ALL')
  assert.equal(
    effectiveChannels({ isSuperuser: false }, [restricted('a'), { restrictedAccessToChannels: false, channelIds: [] }]),
    'ALL',
  )
  assert.deepEqual(
    effectiveChannels({ isSuperuser: false }, [restricted('a'), restricted('b', 'a')]),
    new Set(['a', 'b']),
  )
  assert.deepEqual(effectiveChannels({ isSuperuser: false }, []), new Set())
})
