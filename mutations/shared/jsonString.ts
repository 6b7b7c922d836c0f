// Saleor's JSONString scalar: a JSON value sent as one string (an answer's `data`, an input's JSON).
import { GraphQLError, GraphQLScalarType, Kind } from 'graphql'
import { g } from './g'

function parse(text: unknown): unknown {
  if (typeof text !== 'string') throw new GraphQLError('JSONString must be a string holding JSON.')
  try {
    return JSON.parse(text)
  } catch {
    throw new GraphQLError('JSONString must hold valid JSON.')
  }
}

export const JSONString = g.scalar<unknown>(
  new GraphQLScalarType({
    name: 'JSONString',
    description: 'A JSON value, serialised into a string.',
    serialize: value => JSON.stringify(value),
    parseValue: parse,
    parseLiteral: ast => parse(ast.kind === Kind.STRING ? ast.value : undefined),
  }),
)
