// addressValidationRules: a country's address form rules (fields, choices, postal codes) in Saleor's shape.
// Access: anyone (storefronts render address forms before sign-in). Effects: none. Twin: none.
import { g, type ArgsOf } from '../shared/g'
import { withThrownErrors } from '../shared/errors'
import {
  addressValidationRules as rulesFor,
  type AddressValidationData,
  type ChoiceValue as Choice,
} from '../../services/addresses'

const ChoiceValue = g.object<Choice>()({
  name: 'ChoiceValue',
  fields: {
    raw: g.field({ type: g.String }),
    verbose: g.field({ type: g.String }),
  },
})

const strings = () => g.nonNull(g.list(g.nonNull(g.String)))
const choices = () => g.nonNull(g.list(g.nonNull(ChoiceValue)))

const AddressValidationData = g.object<AddressValidationData>()({
  name: 'AddressValidationData',
  fields: {
    countryCode: g.field({ type: g.String }),
    countryName: g.field({ type: g.String }),
    addressFormat: g.field({ type: g.String }),
    addressLatinFormat: g.field({ type: g.String }),
    allowedFields: g.field({ type: strings(), description: "Address fields (our names) the country's format uses." }),
    requiredFields: g.field({ type: strings() }),
    upperFields: g.field({ type: strings() }),
    countryAreaType: g.field({ type: g.String }),
    countryAreaChoices: g.field({ type: choices() }),
    cityType: g.field({ type: g.String }),
    cityChoices: g.field({
      type: choices(),
      description: 'Listed only for some countries, once countryArea is given.',
    }),
    cityAreaType: g.field({ type: g.String }),
    cityAreaChoices: g.field({
      type: choices(),
      description: 'Listed only for some countries, once countryArea and city are given.',
    }),
    postalCodeType: g.field({ type: g.String }),
    postalCodeMatchers: g.field({ type: strings() }),
    postalCodeExamples: g.field({ type: strings() }),
    postalCodePrefix: g.field({ type: g.String }),
  },
})

const args = {
  countryCode: g.arg({ type: g.nonNull(g.String) }),
  countryArea: g.arg({ type: g.String }),
  city: g.arg({ type: g.String }),
  cityArea: g.arg({ type: g.String }),
}

export const addressValidationRules = g.field({
  type: AddressValidationData,
  args,
  resolve: withThrownErrors(async ({ countryCode, ...area }: ArgsOf<typeof args>) => rulesFor(countryCode, area)),
})
