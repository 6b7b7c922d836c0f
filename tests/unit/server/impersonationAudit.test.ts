// server/impersonationAudit.ts and services/users/impersonationAudit.ts: which root fields an
// operation names (aliases apart, fragments followed, @skip and @include obeyed, introspection
// left out), and each field's outcome from what its resolver ended with.
import '../../helpers/env'
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { GraphQLError, Kind, parse, type FragmentDefinitionNode, type OperationDefinitionNode } from 'graphql'
import { rootFieldsOf } from '../../../server/impersonationAudit'
import { outcomeOfField } from '../../../services/users'
import { DomainError } from '../../../services/kernel'

function fieldsOf(source: string, variables: Record<string, unknown> = {}) {
  const document = parse(source)
  const operation = document.definitions.find(d => d.kind === Kind.OPERATION_DEFINITION) as OperationDefinitionNode
  const fragments = Object.fromEntries(
    document.definitions
      .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
      .map(d => [d.name.value, d]),
  )
  return rootFieldsOf(operation, fragments, variables)
}

test('root fields: each response key once, aliases apart, fragments followed, directives obeyed', () => {
  const fields = fieldsOf(
    `mutation($skip: Boolean!) {
      a: accountAddressCreate { id }
      b: accountAddressCreate { id }
      a: accountAddressCreate { errors { code } }
      __typename
      ... on Mutation { accountUpdate { id } }
      ...more
      accountSetDefaultAddress @skip(if: $skip) { id }
      accountAddressDelete @include(if: false) { id }
    }
    fragment more on Mutation { updateMetadata { id } ...more2 }
    fragment more2 on Mutation { updateActiveUser { id } ...more }`,
    { skip: true },
  )
  assert.deepEqual(fields, [
    { key: 'a', field: 'accountAddressCreate' },
    { key: 'b', field: 'accountAddressCreate' },
    { key: 'accountUpdate', field: 'accountUpdate' },
    { key: 'updateMetadata', field: 'updateMetadata' },
    { key: 'updateActiveUser', field: 'updateActiveUser' },
  ])
})

test('outcome: an empty errors list or none succeeds; listed or thrown errors fail or, for a refusal, are refused', () => {
  const forbidden = new GraphQLError('no', { extensions: { code: 'IMPERSONATION_FORBIDDEN' } })
  const cases: [Parameters<typeof outcomeOfField>, ReturnType<typeof outcomeOfField>][] = [
    [[{ result: { errors: [] } }], { outcome: 'SUCCEEDED' }],
    [[{ result: { id: '1' } }], { outcome: 'SUCCEEDED' }],
    [[{ result: null }], { outcome: 'SUCCEEDED' }],
    [[{ result: { errors: [{ field: 'id', code: 'NOT_FOUND' }] } }], { outcome: 'FAILED', code: 'NOT_FOUND' }],
    [[{ result: { errors: [{ code: 'INVALID' }, { code: 'IMPERSONATION_FORBIDDEN' }] } }], { outcome: 'REFUSED', code: 'IMPERSONATION_FORBIDDEN' }],
    [[{ error: forbidden }], { outcome: 'REFUSED', code: 'IMPERSONATION_FORBIDDEN' }],
    [[{ error: new GraphQLError('wrapped', { originalError: Object.assign(new Error('x'), { code: 'KS_ACCESS_DENIED' }) }) }], { outcome: 'REFUSED', code: 'KS_ACCESS_DENIED' }],
    [[{ error: new DomainError({ field: 'city', code: 'REQUIRED', message: 'm' }) }], { outcome: 'FAILED', code: 'REQUIRED' }],
    [[{ error: new Error('boom') }], { outcome: 'FAILED', code: 'INTERNAL_SERVER_ERROR' }],
    [[{ result: [{}, {}] }, ['KS_ACCESS_DENIED']], { outcome: 'REFUSED', code: 'KS_ACCESS_DENIED' }],
  ] // prettier-ignore
  for (const [args, expected] of cases) assert.deepEqual(outcomeOfField(...args), expected, JSON.stringify(args))
})
