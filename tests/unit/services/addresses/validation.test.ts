// services/addresses/validation.ts: ten countries' rules (a valid address, a bad postal code, a missing
// country area, a bad phone), country codes Google knows but ISO does not, normalisation, and the
// rules a form is built from.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { DomainError, type FieldError } from '../../../../services/kernel/errors'
import {
  addressValidationRules,
  isIsoCountry,
  validateAddress,
  type AddressFields,
} from '../../../../services/addresses/validation'

type Case = {
  valid: AddressFields
  // what the valid address is stored as (the fields the rules normalise)
  stored: { city: string; countryArea: string; postalCode: string; phone: string }
  badPostalCode: string
  // absent where the country does not require a country area
  countryAreaRequired: boolean
  badPhone: string
}

const CASES: Record<string, Case> = {
  US: {
    valid: {
      streetAddress1: '1600 Amphitheatre Pkwy',
      city: 'Mountain View',
      countryArea: 'CA',
      postalCode: '94043',
      country: 'US',
      phone: '(650) 253-0000',
    },
    stored: { city: 'MOUNTAIN VIEW', countryArea: 'CA', postalCode: '94043', phone: '+16502530000' },
    badPostalCode: '9404',
    countryAreaRequired: true,
    badPhone: '(555) 555-5555',
  },
  CA: {
    valid: {
      streetAddress1: '111 Wellington St',
      city: 'Ottawa',
      countryArea: 'Ontario',
      postalCode: 'k1a 0a9',
      country: 'CA',
      phone: '(613) 996-2942',
    },
    stored: { city: 'OTTAWA', countryArea: 'ON', postalCode: 'K1A 0A9', phone: '+16139962942' },
    badPostalCode: 'D1A 0A9',
    countryAreaRequired: true,
    badPhone: '(999) 996-2942',
  },
  GB: {
    valid: {
      streetAddress1: '10 Downing Street',
      city: 'London',
      postalCode: 'sw1a 2aa',
      country: 'GB',
      phone: '020 7946 0958',
    },
    stored: { city: 'LONDON', countryArea: '', postalCode: 'SW1A 2AA', phone: '+442079460958' },
    badPostalCode: 'SW1A 2A',
    countryAreaRequired: false,
    badPhone: '020 7946 095',
  },
  DE: {
    valid: {
      streetAddress1: 'Unter den Linden 1',
      city: 'Berlin',
      postalCode: '10117',
      country: 'DE',
      phone: '030 12345678',
    },
    stored: { city: 'BERLIN', countryArea: '', postalCode: '10117', phone: '+493012345678' },
    badPostalCode: '1011',
    countryAreaRequired: false,
    badPhone: '0000 1234567',
  },
  FR: {
    valid: {
      streetAddress1: '55 Rue du Faubourg Saint-Honoré',
      city: 'Paris',
      postalCode: '75008',
      country: 'FR',
      phone: '01 23 45 67 89',
    },
    stored: { city: 'PARIS', countryArea: '', postalCode: '75008', phone: '+33123456789' },
    badPostalCode: '7500',
    countryAreaRequired: false,
    badPhone: '01 23 45',
  },
  JP: {
    valid: {
      streetAddress1: '1-1 Chiyoda',
      postalCode: '100-0001',
      countryArea: 'Tokyo',
      country: 'JP',
      phone: '03-1234-5678',
    },
    // Google keys prefectures by their Japanese names, and a Japanese address has no city field
    stored: { city: '', countryArea: '東京都', postalCode: '100-0001', phone: '+81312345678' },
    badPostalCode: '100-001',
    countryAreaRequired: true,
    badPhone: '03-1234',
  },
  BR: {
    valid: {
      streetAddress1: 'Av. Paulista, 1000',
      city: 'São Paulo',
      countryArea: 'SP',
      postalCode: '01310-100',
      country: 'BR',
      phone: '(11) 91234-5678',
    },
    stored: { city: 'São Paulo', countryArea: 'SP', postalCode: '01310-100', phone: '+5511912345678' },
    badPostalCode: '0131-100',
    countryAreaRequired: true,
    // a ninth digit without a mobile prefix: the min metadata would accept it
    badPhone: '(11) 01234-5678',
  },
  IN: {
    valid: {
      streetAddress1: 'Rajpath',
      city: 'New Delhi',
      countryArea: 'Delhi',
      postalCode: '110001',
      country: 'IN',
      phone: '98765 43210',
    },
    stored: { city: 'NEW DELHI', countryArea: 'Delhi', postalCode: '110001', phone: '+919876543210' },
    badPostalCode: '11001',
    countryAreaRequired: true,
    badPhone: '98765 4321',
  },
  AU: {
    valid: {
      streetAddress1: '1 Macquarie St',
      city: 'Sydney',
      countryArea: 'New South Wales',
      postalCode: '2000',
      country: 'AU',
      phone: '(02) 9876 5432',
    },
    stored: { city: 'SYDNEY', countryArea: 'NSW', postalCode: '2000', phone: '+61298765432' },
    badPostalCode: '200',
    countryAreaRequired: true,
    badPhone: '(01) 9876 5432',
  },
  PL: {
    valid: {
      streetAddress1: 'ul. Marszałkowska 1',
      city: 'Warszawa',
      postalCode: '00-950',
      country: 'PL',
      phone: '512 345 678',
    },
    stored: { city: 'WARSZAWA', countryArea: '', postalCode: '00-950', phone: '+48512345678' },
    badPostalCode: '00950',
    countryAreaRequired: false,
    // in range for the length, outside every Polish number range
    badPhone: '+48 999 999 999',
  },
}

async function errorsOf(input: AddressFields, options?: { fieldPrefix?: string }): Promise<FieldError[]> {
  try {
    await validateAddress(input, options)
  } catch (error) {
    assert.ok(error instanceof DomainError, `expected a DomainError, got ${String(error)}`)
    return error.errors
  }
  assert.fail('expected the address to be refused')
}

const fieldsAndCodes = (errors: FieldError[]) => errors.map(({ field, code }) => ({ field, code }))

for (const [country, c] of Object.entries(CASES)) {
  test(`a valid address in ${country} is stored normalised, with its phone in E.164`, async () => {
    // when
    const stored = await validateAddress(c.valid)

    // then
    assert.deepEqual(
      { city: stored.city, countryArea: stored.countryArea, postalCode: stored.postalCode, phone: stored.phone },
      c.stored,
    )
    assert.equal(stored.country, country)
    assert.equal(stored.streetAddress1, c.valid.streetAddress1)
  })

  test(`an address in ${country} with the postal code ${c.badPostalCode} is INVALID on postalCode`, async () => {
    // given
    const input = { ...c.valid, postalCode: c.badPostalCode }

    // when
    const errors = await errorsOf(input)

    // then
    assert.deepEqual(fieldsAndCodes(errors), [{ field: 'postalCode', code: 'INVALID' }])
  })

  test(
    c.countryAreaRequired
      ? `an address in ${country} without a country area is REQUIRED on countryArea`
      : `an address in ${country} needs no country area`,
    async () => {
      // given
      const input = { ...c.valid, countryArea: null }

      // when
      const outcome = await validateAddress(input).then(
        () => [],
        error => fieldsAndCodes((error as DomainError).errors),
      )

      // then
      assert.deepEqual(outcome, c.countryAreaRequired ? [{ field: 'countryArea', code: 'REQUIRED' }] : [])
    },
  )

  test(`an address in ${country} with the phone ${c.badPhone} is INVALID on phone`, async () => {
    // given
    const input = { ...c.valid, phone: c.badPhone }

    // when
    const errors = await errorsOf(input)

    // then
    assert.deepEqual(fieldsAndCodes(errors), [{ field: 'phone', code: 'INVALID' }])
  })
}

test('the unknown code XX is INVALID on country, and a missing country is REQUIRED', async () => {
  // when
  const unknown = await errorsOf({ ...CASES.PL!.valid, country: 'XX' })
  const missing = await errorsOf({ ...CASES.PL!.valid, country: '  ' })

  // then
  assert.deepEqual(fieldsAndCodes(unknown), [{ field: 'country', code: 'INVALID' }])
  assert.deepEqual(fieldsAndCodes(missing), [{ field: 'country', code: 'REQUIRED' }])
})

test('codes Google has data for but ISO 3166-1 does not assign (AC, TA, ZZ) are INVALID on country', async () => {
  for (const country of ['AC', 'TA', 'ZZ']) {
    // when
    const errors = await errorsOf({ streetAddress1: 'Main Road', city: 'Georgetown', country })

    // then
    assert.deepEqual(fieldsAndCodes(errors), [{ field: 'country', code: 'INVALID' }], country)
  }
})

test('country codes that are not two letters are INVALID, and never reach Google\'s "all" data', async () => {
  for (const country of ['all', 'POL', '616', 'P']) {
    // when
    const errors = await errorsOf({ ...CASES.PL!.valid, country })

    // then
    assert.deepEqual(fieldsAndCodes(errors), [{ field: 'country', code: 'INVALID' }], country)
  }
})

test('every problem of an address is reported at once, in the order of the Address fields', async () => {
  // given
  const input = { streetAddress2: 'Apt 4', postalCode: '1234', country: 'US', phone: '123' }

  // when
  const errors = await errorsOf(input)

  // then
  assert.deepEqual(fieldsAndCodes(errors), [
    { field: 'streetAddress1', code: 'REQUIRED' },
    { field: 'city', code: 'REQUIRED' },
    { field: 'postalCode', code: 'INVALID' },
    { field: 'countryArea', code: 'REQUIRED' },
    { field: 'phone', code: 'INVALID' },
  ])
  assert.ok(errors.every(error => error.message.length > 0))
})

test('an unknown country and a bad phone are reported together, the phone judged only when international', async () => {
  // when
  const international = await errorsOf({ country: 'XX', phone: '+48 999 999 999' })
  const national = await errorsOf({ country: 'XX', phone: '512 345 678' })

  // then
  assert.deepEqual(fieldsAndCodes(international), [
    { field: 'country', code: 'INVALID' },
    { field: 'phone', code: 'INVALID' },
  ])
  // a national number cannot be judged without its country; the country's error comes first
  assert.deepEqual(fieldsAndCodes(national), [{ field: 'country', code: 'INVALID' }])
})

test('a state name becomes its code, a lower-case country code upper-case, and every field is trimmed', async () => {
  // given
  const input = {
    firstName: ' Ada ',
    lastName: 'Lovelace ',
    companyName: '',
    streetAddress1: ' 1600 Amphitheatre Pkwy ',
    streetAddress2: ' Building 40 ',
    city: ' mountain view ',
    postalCode: ' 94043-1351 ',
    country: ' us ',
    countryArea: ' California ',
    phone: null,
  }

  // when
  const stored = await validateAddress(input)

  // then
  assert.deepEqual(stored, {
    firstName: 'Ada',
    lastName: 'Lovelace',
    companyName: '',
    streetAddress1: '1600 Amphitheatre Pkwy',
    streetAddress2: 'Building 40',
    city: 'MOUNTAIN VIEW',
    cityArea: '',
    postalCode: '94043-1351',
    country: 'US',
    countryArea: 'CA',
    phone: '',
  })
})

test('the street lines stay as the user split them, though the country writes streets in capitals', async () => {
  // when
  const stored = await validateAddress({ ...CASES.CA!.valid, streetAddress2: 'Suite 200' })

  // then
  assert.equal(stored.streetAddress1, '111 Wellington St')
  assert.equal(stored.streetAddress2, 'Suite 200')
})

test('a second street line alone does not satisfy a required street address', async () => {
  // when
  const errors = await errorsOf({ ...CASES.DE!.valid, streetAddress1: '', streetAddress2: 'Hinterhaus' })

  // then
  assert.deepEqual(fieldsAndCodes(errors), [{ field: 'streetAddress1', code: 'REQUIRED' }])
})

test('a US ZIP code of another state is INVALID on postalCode', async () => {
  // when
  const errors = await errorsOf({ ...CASES.US!.valid, postalCode: '10001' })

  // then
  assert.deepEqual(fieldsAndCodes(errors), [{ field: 'postalCode', code: 'INVALID' }])
})

test("a GB postcode with text around it is INVALID, though Google's pattern alone would let it through", async () => {
  // when
  const errors = await errorsOf({ ...CASES.GB!.valid, postalCode: 'xx SW1A 2AA yy' })

  // then
  assert.deepEqual(fieldsAndCodes(errors), [{ field: 'postalCode', code: 'INVALID' }])
})

test('a Dutch postcode in lower case is stored in capitals rather than refused', async () => {
  // when
  const stored = await validateAddress({
    streetAddress1: 'Dam 1',
    city: 'Amsterdam',
    postalCode: '1012  js',
    country: 'nl',
  })

  // then
  assert.equal(stored.postalCode, '1012 JS')
})

test("a Brazilian state and city written without accents match Google's names", async () => {
  // when
  const stored = await validateAddress({ ...CASES.BR!.valid, countryArea: 'sao paulo', city: 'Sao Paulo' })

  // then
  assert.equal(stored.countryArea, 'SP')
  assert.equal(stored.city, 'São Paulo')
})

test('a Brazilian city Google does not list in the state is INVALID on city', async () => {
  // when
  const errors = await errorsOf({ ...CASES.BR!.valid, city: 'Rio de Janeiro' })

  // then
  assert.deepEqual(fieldsAndCodes(errors), [{ field: 'city', code: 'INVALID' }])
})

test('an unknown US state is INVALID on countryArea, with a message naming the state', async () => {
  // when
  const errors = await errorsOf({ ...CASES.US!.valid, countryArea: 'Ontario' })

  // then
  assert.deepEqual(fieldsAndCodes(errors), [{ field: 'countryArea', code: 'INVALID' }])
  assert.equal(errors[0]!.message, '"Ontario" is not a known state in United States of America.')
})

test('a phone number with an extension is INVALID, since E.164 cannot keep it', async () => {
  // when
  const errors = await errorsOf({ ...CASES.PL!.valid, phone: '+48 512 345 678 ext. 12' })

  // then
  assert.deepEqual(fieldsAndCodes(errors), [{ field: 'phone', code: 'INVALID' }])
})

test("a phone number in another country's international format is kept in E.164", async () => {
  // when
  const stored = await validateAddress({ ...CASES.PL!.valid, phone: '+1 650 253 0000' })

  // then
  assert.equal(stored.phone, '+16502530000')
})

test('fieldPrefix names the fields of an address nested in a larger input', async () => {
  // when
  const errors = await errorsOf({ ...CASES.PL!.valid, postalCode: '00950' }, { fieldPrefix: 'defaultShippingAddress' })

  // then
  assert.deepEqual(fieldsAndCodes(errors), [{ field: 'defaultShippingAddress.postalCode', code: 'INVALID' }])
})

test('isIsoCountry knows ISO 3166-1 alpha-2 codes in any case, and nothing else', () => {
  // then
  assert.equal(isIsoCountry('PL'), true)
  assert.equal(isIsoCountry('pl'), true)
  assert.equal(isIsoCountry('XX'), false)
  assert.equal(isIsoCountry('AC'), false)
  assert.equal(isIsoCountry('POL'), false)
  assert.equal(isIsoCountry('616'), false)
})

test('the PL rules name our fields and require a postal code like 00-950', async () => {
  // when
  const rules = await addressValidationRules('pl')

  // then
  assert.equal(rules.countryCode, 'PL')
  assert.equal(rules.countryName, 'POLAND')
  assert.deepEqual(rules.allowedFields, [
    'firstName',
    'lastName',
    'companyName',
    'streetAddress1',
    'streetAddress2',
    'postalCode',
    'city',
    'country',
  ])
  assert.deepEqual(rules.requiredFields, ['streetAddress1', 'city', 'postalCode', 'country'])
  assert.deepEqual(rules.upperFields, ['city'])
  assert.deepEqual(rules.countryAreaChoices, [])
  assert.deepEqual(rules.postalCodeMatchers, ['^(?:\\d{2}-\\d{3})$'])
  assert.ok(rules.postalCodeExamples.includes('00-950'))
})

test('the US rules list the states as choices and require one', async () => {
  // when
  const rules = await addressValidationRules('US')

  // then
  assert.ok(rules.requiredFields.includes('countryArea'))
  assert.equal(rules.countryAreaType, 'state')
  assert.equal(rules.postalCodeType, 'zip')
  assert.deepEqual(
    rules.countryAreaChoices.find(choice => choice.raw === 'CA'),
    { raw: 'CA', verbose: 'California' },
  )
})

test("the BR rules list a state's cities once the state is given", async () => {
  // when
  const country = await addressValidationRules('BR')
  const state = await addressValidationRules('BR', { countryArea: 'SP' })

  // then
  assert.deepEqual(country.cityChoices, [])
  assert.ok(state.cityChoices.some(choice => choice.raw === 'São Paulo'))
})

test('rules for an unknown or non-ISO code are refused with INVALID on countryCode', async () => {
  for (const code of ['XX', 'AC', 'all', '']) {
    // when
    const refusal = await addressValidationRules(code).then(
      () => null,
      error => error,
    )

    // then
    assert.ok(refusal instanceof DomainError, code)
    assert.deepEqual(fieldsAndCodes(refusal.errors), [{ field: 'countryCode', code: 'INVALID' }])
  }
})
