// How an address reads on one line, wherever staff see it named (the Admin UI's address columns,
// a user's default addresses, an address's own page): street, postal code and city, country, as
// "Street 1, 00-950 Warszawa, PL". Empty parts are left out.
type AddressParts = Partial<
  Record<'streetAddress1' | 'streetAddress2' | 'postalCode' | 'city' | 'countryArea' | 'country', string | null>
>

/** The one-line label of an address. */
export function addressLabelOf(address: AddressParts): string {
  const part = (value: string | null | undefined) => value?.trim() ?? ''
  const place = [part(address.postalCode), part(address.city)].filter(Boolean).join(' ')
  return [
    part(address.streetAddress1),
    part(address.streetAddress2),
    place,
    part(address.countryArea),
    part(address.country),
  ]
    .filter(Boolean)
    .join(', ')
}
