// services/identity/permissionCodes.ts: effective permissions.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { PERMISSIONS, effectivePermissions } from '../../../../services/identity/permissionCodes'

const staff = { isActive: true, isStaff: true, isSuperuser: false }

test('effectivePermissions unites the permissions of every group, in enum order, without duplicates', () => {
  const groups = [{ permissions: ['MANAGE_STAFF', 'MANAGE_USERS'] }, { permissions: ['MANAGE_USERS', 'MANAGE_ORDERS'] }]
  assert.deepEqual(effectivePermissions({ ...staff, permissionGroups: groups }), ['MANAGE_USERS', 'MANAGE_STAFF', 'MANAGE_ORDERS'])
})

test('effectivePermissions gives a superuser everything and a customer or inactive staff nothing', () => {
  assert.deepEqual(effectivePermissions({ ...staff, isSuperuser: true, permissionGroups: [] }), [...PERMISSIONS])
  const groups = [{ permissions: ['MANAGE_USERS'] }]
  assert.deepEqual(effectivePermissions({ ...staff, isStaff: false, permissionGroups: groups }), [])
  assert.deepEqual(effectivePermissions({ ...staff, isActive: false, permissionGroups: groups }), [])
})

test('effectivePermissions ignores values that are not permissions', () => {
  assert.deepEqual(effectivePermissions({ ...staff, permissionGroups: [{ permissions: ['ROOT', 42, 'MANAGE_APPS'] }, { permissions: null }] }), ['MANAGE_APPS'])
})
