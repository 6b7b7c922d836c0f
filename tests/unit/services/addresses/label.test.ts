// services/addresses/label.ts: how an address reads on one line wherever staff see it named.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { addressLabelOf } from '../../../../services/addresses/label'

test('an address reads as street, postal code and city, country', () => {
  assert.equal(
    addressLabelOf({ streetAddress1: 'Street 1', postalCode: '00-950', city: 'Warszawa', country: 'PL' }),
    'Street 1, 00-950 Warszawa, PL',
  )
})

test('a second street line and a country area join in; empty and missing parts are left out', () => {
  assert.equal(
    addressLabelOf({
      streetAddress1: '1 Main St',
      streetAddress2: ' Suite 5 ',
      postalCode: '62701',
      city: 'SPRINGFIELD',
      countryArea: 'IL',
      country: 'US',
    }),
    '1 Main St, Suite 5, 62701 SPRINGFIELD, IL, US',
  )
  assert.equal(addressLabelOf({ streetAddress1: '', city: 'Dublin', postalCode: null, country: 'IE' }), 'Dublin, IE')
  assert.equal(addressLabelOf({}), '')
})
