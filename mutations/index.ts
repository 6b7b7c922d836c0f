// Every custom GraphQL field, one line each, grouped as in API.md section 4.
import type { GraphQLSchema } from 'graphql'
import { g } from './shared/g'
import { me } from './queries/me'
import { restrictAdminSignIn } from '../auth'

const extension = g.extend(base => ({
  query: {
    me: me(base),
  },
}))

export function extendGraphqlSchema (schema: GraphQLSchema): GraphQLSchema {
  return restrictAdminSignIn(extension(schema))
}
