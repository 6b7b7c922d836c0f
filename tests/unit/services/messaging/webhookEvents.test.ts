// services/messaging/webhookEvents.ts: what subscribing to each event and reading its deliveries
// needs, the events a set of permissions reaches, the refusal's code and words, and the emitters'
// check that an event carries only the people it names.
import '../../../helpers/env'
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { DomainError } from '../../../../services/kernel'
import {
  WEBHOOK_EVENTS,
  assertWebhookEventsWithin,
  assertWebhookSubject,
  webhookEventPermissions,
  webhookEventsWithin,
  type WebhookPermission,
} from '../../../../services/messaging/webhookEvents'

const holding =
  (...held: WebhookPermission[]) =>
  (permission: WebhookPermission) =>
    held.includes(permission)

test('each event needs MANAGE_APPS and what reading its people needs', () => {
  const expected: Record<string, string[]> = {
    CUSTOMER_CREATED: ['MANAGE_APPS', 'MANAGE_USERS'],
    CUSTOMER_METADATA_UPDATED: ['MANAGE_APPS', 'MANAGE_USERS'],
    ACCOUNT_CONFIRMATION_REQUESTED: ['MANAGE_APPS', 'MANAGE_USERS'],
    ACCOUNT_EMAIL_CHANGED: ['MANAGE_APPS', 'MANAGE_USERS'],
    ACCOUNT_DELETED: ['MANAGE_APPS', 'MANAGE_USERS'],
    STAFF_CREATED: ['MANAGE_APPS', 'MANAGE_STAFF'],
    STAFF_SET_PASSWORD_REQUESTED: ['MANAGE_APPS', 'MANAGE_STAFF'],
    PERMISSION_GROUP_UPDATED: ['MANAGE_APPS', 'MANAGE_STAFF'],
    ADDRESS_CREATED: ['MANAGE_APPS', 'MANAGE_USERS', 'MANAGE_STAFF'],
    // a name outside the vocabulary asks for everything
    NOT_AN_EVENT: ['MANAGE_APPS', 'MANAGE_USERS', 'MANAGE_STAFF'],
  }
  for (const [event, permissions] of Object.entries(expected))
    assert.deepEqual(webhookEventPermissions(event), permissions, event)
  for (const event of WEBHOOK_EVENTS) assert.ok(webhookEventPermissions(event).includes('MANAGE_APPS'), event)
})

test('MANAGE_APPS alone reaches no event; with MANAGE_USERS the customer ones, with MANAGE_STAFF the staff ones; all three reach all', () => {
  assert.deepEqual(webhookEventsWithin(holding('MANAGE_APPS')), [])
  assert.deepEqual(webhookEventsWithin(holding('MANAGE_USERS', 'MANAGE_STAFF')), [])
  const customers = webhookEventsWithin(holding('MANAGE_APPS', 'MANAGE_USERS'))
  assert.ok(
    customers.every(event => /^(CUSTOMER|ACCOUNT)_/.test(event)),
    customers.join(),
  )
  assert.equal(customers.length, 11)
  const staff = webhookEventsWithin(holding('MANAGE_APPS', 'MANAGE_STAFF'))
  assert.ok(
    staff.every(event => /^(STAFF|PERMISSION_GROUP)_/.test(event)),
    staff.join(),
  )
  assert.equal(staff.length, 7)
  assert.deepEqual(webhookEventsWithin(holding('MANAGE_APPS', 'MANAGE_USERS', 'MANAGE_STAFF')), [...WEBHOOK_EVENTS])
})

test('a refusal is one OUT_OF_SCOPE_PERMISSION on events naming the events and the permissions missing', () => {
  assert.doesNotThrow(() => assertWebhookEventsWithin([], holding('MANAGE_APPS')))
  assert.doesNotThrow(() => assertWebhookEventsWithin(['CUSTOMER_CREATED'], holding('MANAGE_APPS', 'MANAGE_USERS')))
  assert.throws(
    () => assertWebhookEventsWithin(['CUSTOMER_CREATED', 'STAFF_CREATED', 'STAFF_CREATED'], holding('MANAGE_APPS')),
    (error: unknown) => {
      assert.ok(error instanceof DomainError)
      assert.deepEqual(error.errors, [
        {
          field: 'events',
          code: 'OUT_OF_SCOPE_PERMISSION',
          message: 'You need MANAGE_USERS and MANAGE_STAFF to manage a webhook on CUSTOMER_CREATED, STAFF_CREATED.',
          permissions: ['MANAGE_USERS', 'MANAGE_STAFF'],
        },
      ])
      return true
    },
  )
})

test('an emitter cannot put a staff member on a customer event, nor a customer on a staff event', () => {
  assert.throws(
    () => assertWebhookSubject('ACCOUNT_EMAIL_CHANGED', { user: { id: '1', isStaff: true } }),
    /cannot carry a staff member/,
  )
  assert.throws(
    () => assertWebhookSubject('STAFF_UPDATED', { user: { id: '1', isStaff: false } }),
    /cannot carry a customer/,
  )
  assert.doesNotThrow(() => assertWebhookSubject('STAFF_UPDATED', { user: { id: '1', isStaff: true } }))
  assert.doesNotThrow(() => assertWebhookSubject('CUSTOMER_UPDATED', { user: { id: '1', isStaff: false } }))
  assert.doesNotThrow(() => assertWebhookSubject('PERMISSION_GROUP_CREATED', { group: { id: 'g' } }))
})
