// services/addresses/phone.ts: the one phone rule of a user's phone and an address's, against
// libphonenumber's full metadata: number ranges, not only lengths, and no extension dropped.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { parsePhone } from '../../../../services/addresses/phone'

test('an international number is stored in E.164, with or without a country', () => {
  assert.deepEqual(parsePhone('+44 20 7946 0958'), { ok: true, e164: '+442079460958' })
  assert.deepEqual(parsePhone('+1 (202) 555-0143', { country: 'PL' }), { ok: true, e164: '+12025550143' })
})

test("a national number is read in the country's own plan, and refused without one", () => {
  assert.deepEqual(parsePhone('601 234 567', { country: 'PL' }), { ok: true, e164: '+48601234567' })
  const outcome = parsePhone('601 234 567')
  assert.equal(outcome.ok, false)
  assert.match(outcome.ok ? '' : outcome.message, /international form/)
})

test('a number of the right length outside every range of its country is refused (the minimal metadata took it)', () => {
  // when
  const bare = parsePhone('+48 999 999 999')
  const inPoland = parsePhone('999 999 999', { country: 'PL' })

  // then
  assert.deepEqual(bare, { ok: false, judged: true, message: 'This phone number is not valid.' })
  assert.deepEqual(inPoland, { ok: false, judged: true, message: 'This phone number is not valid for Poland.' })
})

test('an extension is refused rather than dropped', () => {
  const outcome = parsePhone('+1 202 555 0143 ext. 7')
  assert.equal(outcome.ok, false)
  assert.match(outcome.ok ? '' : outcome.message, /extension/)
})

test('an empty phone is an empty phone', () => {
  assert.deepEqual(parsePhone(''), { ok: true, e164: '' })
})

test('without a country libphonenumber knows, only an international number is judged', () => {
  // Antarctica is an ISO country with no numbering plan of its own
  assert.deepEqual(parsePhone('601 234 567', { country: 'AQ' }).ok, false)
  assert.equal((parsePhone('601 234 567', { country: 'AQ' }) as { judged: boolean }).judged, false)
  assert.equal((parsePhone('+48 999 999 999', { country: 'AQ' }) as { judged: boolean }).judged, true)
})
