// addressValidationRules: anonymous callers get a country's form rules in Saleor's shape, under our
// Address field names; an unknown or non-ISO code is refused with a coded GraphQL error.
import '../../helpers/env'
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, type TestServer } from '../../helpers/server'

const ADDRESS_VALIDATION_RULES = `query($countryCode: String!, $countryArea: String) {
  addressValidationRules(countryCode: $countryCode, countryArea: $countryArea) {
    countryCode countryName addressFormat addressLatinFormat
    allowedFields requiredFields upperFields
    countryAreaType countryAreaChoices { raw verbose }
    cityType cityChoices { raw verbose }
    cityAreaType cityAreaChoices { raw verbose }
    postalCodeType postalCodeMatchers postalCodeExamples postalCodePrefix
  }
}`

let server: TestServer

before(async () => {
  server = await startServer()
})
after(async () => {
  await server?.stop()
})

test('addressValidationRules for PL answers an anonymous caller with our field names and the postal code pattern', async () => {
  // when
  const res = await server.gql(ADDRESS_VALIDATION_RULES, { countryCode: 'PL' })

  // then
  assert.equal(res.body.errors, undefined)
  const rules = res.body.data.addressValidationRules
  assert.equal(rules.countryCode, 'PL')
  assert.equal(rules.countryName, 'POLAND')
  assert.equal(rules.addressFormat, '%N%n%O%n%A%n%Z %C')
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
  assert.equal(rules.postalCodePrefix, '')
})

test('addressValidationRules for US lists the states as choices and requires one', async () => {
  // when
  const res = await server.gql(ADDRESS_VALIDATION_RULES, { countryCode: 'us' })

  // then
  assert.equal(res.body.errors, undefined)
  const rules = res.body.data.addressValidationRules
  assert.equal(rules.countryCode, 'US')
  assert.deepEqual(rules.requiredFields, ['streetAddress1', 'city', 'countryArea', 'postalCode', 'country'])
  assert.equal(rules.countryAreaType, 'state')
  assert.equal(rules.postalCodeType, 'zip')
  assert.deepEqual(
    rules.countryAreaChoices.find((choice: { raw: string }) => choice.raw === 'CA'),
    { raw: 'CA', verbose: 'California' },
  )
})

test('addressValidationRules for a Brazilian state lists its cities', async () => {
  // when
  const res = await server.gql(ADDRESS_VALIDATION_RULES, { countryCode: 'BR', countryArea: 'SP' })

  // then
  assert.equal(res.body.errors, undefined)
  assert.ok(
    res.body.data.addressValidationRules.cityChoices.some((choice: { raw: string }) => choice.raw === 'São Paulo'),
  )
})

test('addressValidationRules for an unknown or non-ISO code is refused with INVALID on countryCode', async () => {
  for (const countryCode of ['XX', 'AC']) {
    // when
    const res = await server.gql(ADDRESS_VALIDATION_RULES, { countryCode })

    // then
    assert.equal(res.body.data?.addressValidationRules ?? null, null)
    assert.equal(res.body.errors?.[0]?.extensions?.code, 'INVALID', countryCode)
    assert.equal(res.body.errors?.[0]?.extensions?.field, 'countryCode')
  }
})
