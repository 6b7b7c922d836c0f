// Saleor's JSONString scalar: a value sent and answered as a string of JSON (graphene's JSONString),
// as the external* mutations take their `input` and answer their data (@saleor/auth-sdk's
// SaleorExternalAuth JSON.stringifies the input and JSON.parses authenticationData).
import { GraphQLScalarType, Kind } from 'graphql'
import { g } from './g'
import { DomainError } from '../../services/kernel'

function parsed(value: unknown): unknown {
  if (typeof value !== 'string') throw new TypeError('JSONString must be a string of JSON')
  try {
    return JSON.parse(value)
  } catch {
    throw new TypeError('JSONString must be a string of JSON')
  }
}

export const JSONString = g.scalar<unknown>(
  new GraphQLScalarType({
    name: 'JSONString',
    description: 'A JSON value, sent and answered as a string (Saleor’s JSONString).',
    serialize: value => JSON.stringify(value),
    parseValue: parsed,
    parseLiteral: ast => {
      if (ast.kind !== Kind.STRING) throw new TypeError('JSONString must be a string of JSON')
      return parsed(ast.value)
    },
  }),
)

/** An external* mutation's input as an object of fields; INVALID on `input` for anything else. */
export function inputFields(value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new DomainError({ field: 'input', code: 'INVALID', message: 'The input must be a JSON object.' })
  return value as Record<string, unknown>
}
