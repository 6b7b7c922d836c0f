// What a field costs beyond its rows: checking or hashing a password (argon2, ~20 ms of CPU),
// putting a mail in the outbox, reading a person's whole record (a data export), or calling an
// identity provider (discovery, the token endpoint). A field declares it where it is defined, and the request limits
// read it from the finished schema (server/graphqlLimits.ts), letting one such item through per
// request. A custom field declares it as an extension on its GraphQL config
// (`extensions: costly('mail')`); Keystone's generated fields take no extensions, so the list action
// or list field behind one is marked (`withCostlyWork`) and server/fieldCosts.ts copies the mark
// onto the fields Keystone generates from it.
import type { GraphQLField, GraphQLInputField } from 'graphql'

export type CostlyWork = 'password' | 'mail' | 'export' | 'provider'

declare module 'graphql' {
  interface GraphQLFieldExtensions<_TSource, _TContext, _TArgs = any> {
    costly?: readonly CostlyWork[]
  }
  interface GraphQLInputFieldExtensions {
    costly?: readonly CostlyWork[]
  }
}

/** The extensions of a field that checks a password or sends a mail (one item per request). */
export function costly(...work: CostlyWork[]): { costly: readonly CostlyWork[] } {
  return { costly: work }
}

/** The costly work a field (or input field) of the finished schema declares; none when empty. */
export function costlyWorkOf(field: GraphQLField<unknown, unknown> | GraphQLInputField): readonly CostlyWork[] {
  return field.extensions.costly ?? []
}

/** Declare the costly work of a field of a finished schema that was made without its extension. */
export function declareCostlyWork(
  field: GraphQLField<unknown, unknown> | GraphQLInputField,
  work: readonly CostlyWork[],
) {
  // extensions are frozen by type, not at run time; the field is ours until the schema is served
  ;(field as { extensions: object }).extensions = { ...field.extensions, costly: work }
}

/** A list action or list field whose generated GraphQL fields do costly work. */
export type WithCostlyWork = { readonly costlyWork?: readonly CostlyWork[] }

/** Mark a list action or list field config: each field Keystone generates from it does this work. */
export function withCostlyWork<T extends object>(config: T, ...work: CostlyWork[]): T & WithCostlyWork {
  return Object.assign(config, { costlyWork: work })
}
