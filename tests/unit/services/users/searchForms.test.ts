// services/users/search.ts searchFormsOf as a plain function: the texts a term is looked for as. A
// phone number's term is also looked for as the stored E.164 digits; a postal-code fragment, a
// name or an email only as typed.
import '../../../helpers/env'
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { searchFormsOf } from '../../../../services/users/search'

for (const [label, term, forms] of [
  ['a phone with spaces', '601 234 567', ['601 234 567', '601234567']],
  ['a phone with its country code', '+48 601-234', ['+48 601-234', '+48601234']],
  ['a phone with 00 for +', '0048 601 234', ['0048 601 234', '+48601234']],
  ['a national number with its trunk 0', '020 7946 0958', ['020 7946 0958', '02079460958', '2079460958']],
  ['a North American number in brackets', '(212) 555-0123', ['(212) 555-0123', '2125550123']],
  ['a postal-code fragment', '00-9', ['00-9']],
  ['a whole postal code of five digits', '00-950', ['00-950']],
  ['digits as stored', '4567', ['4567']],
  ['a name', 'lovelace', ['lovelace']],
  ['an outward code', 'sw1a', ['sw1a']],
] as const) {
  test(`searchFormsOf: ${label} ("${term}")`, () => {
    assert.deepEqual(searchFormsOf(term), forms)
  })
}
