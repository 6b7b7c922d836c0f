// The rules of what follows a user change (services/users/afterUserChange.ts), read from the state
// before and after it and the operation's own intent, for the cases no single path shows alone:
// one fact one event, credentials that no listener hears of, an operation's own webhook.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { accountEventsOf, webhooksOf, type UserChange, type UserRow } from '../../../../services/users/afterUserChange'

const at = new Date('2026-01-01T00:00:00Z')
const customer = {
  id: 'u1',
  email: 'casey@example.com',
  firstName: 'Casey',
  lastName: 'Customer',
  name: '',
  phone: '',
  password: '$argon2id$old',
  jwtTokenKey: 'key-1',
  customerTokenHash: null,
  isStaff: false,
  isActive: true,
  isConfirmed: false,
  emailVerifiedAt: null,
  emailVerifiedBy: null,
  metadata: { tier: 'silver' },
  updatedAt: at,
} as unknown as UserRow

const changeOf = (after: Partial<UserRow>, rest: Partial<UserChange> = {}): UserChange => ({
  before: customer,
  after: { ...customer, updatedAt: new Date(), ...after } as UserRow,
  actorId: 'staff-1',
  ...rest,
})
const types = (change: UserChange) => accountEventsOf(change).map(event => event.type)
const hooks = (change: UserChange) => webhooksOf(change).map(hook => hook.event)

test('a new user is created by itself or by staff, by who acted', () => {
  assert.deepEqual(types(changeOf({}, { before: null, actorId: 'u1' })), ['ACCOUNT_CREATED'])
  assert.deepEqual(types(changeOf({}, { before: null, actorId: 'staff-1' })), ['ACCOUNT_CREATED_FROM_STAFF'])
  assert.deepEqual(hooks(changeOf({}, { before: null })), ['CUSTOMER_CREATED'])
  assert.deepEqual(hooks(changeOf({ isStaff: true }, { before: null })), ['STAFF_CREATED'])
})

test("an operation's own event takes the place of the derived event stating the same fact", () => {
  const reset = changeOf({ password: '$argon2id$new', jwtTokenKey: 'key-2' }, { events: [{ type: 'PASSWORD_RESET' }] })
  assert.deepEqual(types(reset), ['PASSWORD_RESET'])
  const changed = {
    type: 'EMAIL_CHANGED' as const,
    parameters: { old_email: customer.email, new_email: 'n@example.com' },
  }
  assert.deepEqual(types(changeOf({ email: 'n@example.com' }, { events: [changed] })), ['EMAIL_CHANGED'])
  // without the intent, the state says it
  assert.deepEqual(types(changeOf({ email: 'n@example.com' })), ['EMAIL_ASSIGNED'])
  assert.deepEqual(types(changeOf({ password: '$argon2id$new' })), ['PASSWORD_CHANGED'])
})

test('a change of credentials alone, with the confirmation a fresh proof brings, sends no webhook', () => {
  assert.deepEqual(hooks(changeOf({ password: '$argon2id$new', jwtTokenKey: 'key-2' })), [])
  const redeemed = { isConfirmed: true, emailVerifiedAt: new Date(), emailVerifiedBy: 'PASSWORD_RESET' }
  assert.deepEqual(hooks(changeOf({ password: '$argon2id$new', ...redeemed })), [])
  // the second factor is a credential too: a registrant's TOTP ended with its password tells no listener
  const totpEnded = { totpSecret: null, totpPendingSecret: null, totpEnabledAt: null, totpLastStep: 0 }
  const enrolled = { ...customer, totpSecret: 'sealed', totpEnabledAt: at, totpLastStep: 59 } as unknown as UserRow
  assert.deepEqual(
    hooks(changeOf({ password: null, jwtTokenKey: 'key-2', ...totpEnded } as Partial<UserRow>, { before: enrolled })),
    [],
  )
  // confirmed by staff, with no proof: the account changed for its listeners
  assert.deepEqual(hooks(changeOf({ isConfirmed: true })), ['CUSTOMER_UPDATED'])
  // a change of no column of the row (a group joined) is still an update
  assert.deepEqual(hooks(changeOf({})), ['CUSTOMER_UPDATED'])
})

test("an operation's own webhook takes the place of *_UPDATED, and metadata adds its own", () => {
  const confirmed = changeOf({ isConfirmed: true }, { webhook: { event: 'ACCOUNT_CONFIRMED' } })
  assert.deepEqual(hooks(confirmed), ['ACCOUNT_CONFIRMED'])
  assert.deepEqual(hooks(changeOf({ metadata: { tier: 'gold' } } as Partial<UserRow>)), [
    'CUSTOMER_UPDATED',
    'CUSTOMER_METADATA_UPDATED',
  ])
  // a metadata string as SQLite hands it to the list's hooks compares by its content
  const asText = { ...customer, metadata: JSON.stringify(customer.metadata) } as unknown as UserRow
  assert.deepEqual(hooks({ ...changeOf({}), before: asText, after: asText }), ['CUSTOMER_UPDATED'])
})

test('a promotion is STAFF_PROMOTED with its groups and STAFF_CREATED; a password it drops is no change of password', () => {
  const promoted = changeOf({ isStaff: true, password: null, jwtTokenKey: 'key-2' })
  assert.deepEqual(accountEventsOf(promoted, { groups: ['g1'] }), [
    { type: 'STAFF_PROMOTED', parameters: { groups: ['g1'], confirmed: false } },
  ])
  assert.deepEqual(hooks(promoted), ['STAFF_CREATED'])
})

test('a name is assigned in the words that changed: first and last name, or the one name', () => {
  const events = (after: Partial<UserRow>) => accountEventsOf(changeOf(after))
  assert.deepEqual(events({ firstName: 'Ada', lastName: 'Lovelace' }), [
    { type: 'NAME_ASSIGNED', parameters: { message: 'Ada Lovelace' } },
  ])
  assert.deepEqual(events({ name: 'Ada L.' }), [{ type: 'NAME_ASSIGNED', parameters: { message: 'Ada L.' } }])
  assert.deepEqual(events({ isActive: false }), [{ type: 'ACCOUNT_DEACTIVATED' }])
})
