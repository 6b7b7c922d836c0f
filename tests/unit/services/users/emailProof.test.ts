// services/users/emailProof.ts and the promotion rule that reads it (services/users/promotion.ts).
import '../../../helpers/env'
import { test } from 'node:test'
import assert from 'node:assert/strict'
import {
  assertProofFollowsEmail,
  hasProvenMailbox,
  proofChanges,
  redeemedProof,
} from '../../../../services/users/emailProof'
import { promotionChanges } from '../../../../services/users/promotion'

const proven = { email: 'a@example.com', emailVerifiedAt: new Date(), emailVerifiedBy: 'ACCOUNT_CONFIRMATION' }
const unproven = { email: 'a@example.com', emailVerifiedAt: null, emailVerifiedBy: null }

test('a mailbox is proven only by a known proof with its time', () => {
  assert.equal(hasProvenMailbox(proven), true)
  assert.equal(hasProvenMailbox(unproven), false)
  assert.equal(hasProvenMailbox({ emailVerifiedAt: new Date(), emailVerifiedBy: 'STAFF_SAID_SO' }), false)
  assert.equal(hasProvenMailbox({ emailVerifiedAt: null, emailVerifiedBy: 'PASSWORD_RESET' }), false)
})

test('a redemption proves the mailbox only when the link was mailed to the address the user has', () => {
  const now = new Date()
  assert.deepEqual(redeemedProof('PASSWORD_RESET', { sentTo: 'a@example.com' }, 'a@example.com', now), {
    emailVerifiedAt: now,
    emailVerifiedBy: 'PASSWORD_RESET',
  })
  assert.deepEqual(redeemedProof('PASSWORD_RESET', { sentTo: 'old@example.com' }, 'a@example.com'), {})
  assert.deepEqual(redeemedProof('ACCOUNT_CONFIRMATION', {}, 'a@example.com'), {})
})

test('a write through the list never sets a proof and clears it with a new email', () => {
  assert.deepEqual(proofChanges(proven, { email: 'b@example.com' }), { emailVerifiedAt: null, emailVerifiedBy: null })
  assert.deepEqual(proofChanges(proven, { email: 'a@example.com', firstName: 'x' } as { email: string }), {
    emailVerifiedAt: undefined,
    emailVerifiedBy: undefined,
  })
  // an input naming a proof (only code can) is overridden
  const input = { email: undefined, emailVerifiedBy: 'OPERATOR_SEED', emailVerifiedAt: new Date() }
  assert.deepEqual(
    { ...input, ...proofChanges(unproven, input) },
    { email: undefined, emailVerifiedAt: undefined, emailVerifiedBy: undefined },
  )
})

test('a change that moved the email and kept a proof is refused, except the verified email change', () => {
  const moved = { ...proven, email: 'b@example.com' }
  assert.throws(() => assertProofFollowsEmail({ before: proven, after: moved }))
  assert.throws(() => assertProofFollowsEmail({ before: proven, after: moved, events: [{ type: 'EMAIL_CHANGED' }] }))
  assert.throws(() => assertProofFollowsEmail({ before: proven, after: { ...moved, emailVerifiedBy: 'EMAIL_CHANGE' } }))
  assert.doesNotThrow(() =>
    assertProofFollowsEmail({
      before: proven,
      after: { ...moved, emailVerifiedBy: 'EMAIL_CHANGE' },
      events: [{ type: 'EMAIL_CHANGED' }],
    }),
  )
  assert.doesNotThrow(() =>
    assertProofFollowsEmail({
      before: proven,
      after: { ...moved, ...unproven, email: 'b@example.com' },
    }),
  )
  assert.doesNotThrow(() => assertProofFollowsEmail({ before: null, after: proven }))
})

test('promotion keeps the password on a proven mailbox, or one the manager sets, and never on isConfirmed alone', () => {
  const customer = { isStaff: false, isConfirmed: true }
  assert.equal(promotionChanges({ ...customer, ...unproven }, { isStaff: true }).password, null)
  assert.equal('password' in promotionChanges({ ...customer, ...proven }, { isStaff: true }), false)
  assert.equal('password' in promotionChanges({ ...customer, ...unproven }, { isStaff: true, password: 'x' }), false)
  // the same change drops the proof (a new email): nothing is kept
  assert.equal(
    promotionChanges({ ...customer, ...proven }, { isStaff: true, emailVerifiedAt: null, emailVerifiedBy: null })
      .password,
    null,
  )
  // every promotion ends the customer's credentials
  assert.equal(promotionChanges({ ...customer, ...proven }, { isStaff: true }).customerTokenHash, null)
})
