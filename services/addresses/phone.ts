// The phone rule, for a user's own phone and an address's alike: a number is valid when
// libphonenumber's full ('max') metadata places it in one of its country's ranges (the minimal
// metadata checks lengths only, and takes +48 999 999 999), it is stored in E.164, and an extension
// is refused, since E.164 has no room for one and dropping it would lose what the user typed.
import countries from 'i18n-iso-countries'
import { parsePhoneNumberFromString, isSupportedCountry, type CountryCode } from 'libphonenumber-js/max'

/**
 * A phone in E.164 ('' for an empty one), or why not. `judged` is false when the text could not be
 * read for want of a country: only the country's own error is then worth showing.
 */
export type PhoneOutcome = { ok: true; e164: string } | { ok: false; judged: boolean; message: string }

/** Read a phone number, national ones in `country`'s plan (an ISO code), international ones anywhere. */
export function parsePhone(text: string, options: { country?: string } = {}): PhoneOutcome {
  if (!text) return { ok: true, e164: '' }
  const region = options.country && isSupportedCountry(options.country) ? (options.country as CountryCode) : undefined
  const parsed = parsePhoneNumberFromString(text, region ? { defaultCountry: region } : {})
  if (!parsed) return { ok: false, judged: Boolean(region) || text.startsWith('+'), message: unreadable(region) }
  if (!parsed.isValid()) {
    const where = region ? ` for ${countries.getName(region, 'en') ?? region}` : ''
    return { ok: false, judged: true, message: `This phone number is not valid${where}.` }
  }
  if (parsed.ext)
    return { ok: false, judged: true, message: 'Phone extensions cannot be stored; enter the number without one.' }
  return { ok: true, e164: parsed.number }
}

// without a country, only the international form can be read
function unreadable(region: CountryCode | undefined): string {
  return region
    ? 'Enter a valid phone number.'
    : 'Enter a valid phone number in international form, e.g. +48 601 234 567.'
}
