// The request limits as plain rules and plugins, on a small schema of their own: the time budget
// abandons what is left of a slow request, and the row estimate follows `take`.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ApolloServer } from '@apollo/server'
import {
  GraphQLInt,
  GraphQLList,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLSchema,
  GraphQLString,
  parse,
  specifiedRules,
  validate,
} from 'graphql'
import { LIMITS, maxRowsRule, oneCostlyFieldRule, timeBudgetPlugin } from '../../../server/graphqlLimits'

let calls = 0
const Item: GraphQLObjectType = new GraphQLObjectType({
  name: 'Item',
  fields: () => ({
    id: { type: GraphQLString },
    slow: {
      type: GraphQLString,
      resolve: async () => {
        calls++
        await new Promise(resolve => setTimeout(resolve, 5))
        return 'done'
      },
    },
    children: {
      type: new GraphQLList(Item),
      args: { take: { type: GraphQLInt } },
      resolve: async () => {
        await new Promise(resolve => setTimeout(resolve, 400))
        return [{ id: 'a' }, { id: 'b' }]
      },
    },
    tags: { type: new GraphQLList(GraphQLString), resolve: () => ['x'] },
  }),
})
const schema = new GraphQLSchema({
  query: new GraphQLObjectType({
    name: 'Query',
    fields: {
      items: { type: new GraphQLList(Item), args: { take: { type: GraphQLInt } }, resolve: () => [{ id: '1' }] },
      meta: { type: new GraphQLNonNull(new GraphQLList(Item)), resolve: () => [{ id: 'm' }] },
    },
  }),
  mutation: new GraphQLObjectType({
    name: 'Mutation',
    fields: {
      tokenCreate: { type: GraphQLString },
      accountRegister: { type: GraphQLString },
      tokenVerify: { type: GraphQLString },
    },
  }),
})

function errorsOf(source: string, rule = maxRowsRule): string[] {
  return validate(schema, parse(source), [...specifiedRules, rule]).map(error => error.message)
}

test('a request past its time budget resolves no further field', async () => {
  // given: a budget shorter than the wait for the children
  calls = 0
  const server = new ApolloServer({ schema, plugins: [timeBudgetPlugin(200)] })
  await server.start()
  // when: the children arrive after the budget is spent
  const result = await server.executeOperation({ query: '{ items { slow children { slow } } }' })
  await server.stop()
  // then
  assert.equal(result.body.kind, 'single')
  const single = result.body.kind === 'single' ? result.body.singleResult : undefined
  assert.equal(calls, 1)
  assert.equal(single?.errors?.[0]?.extensions?.code, 'REQUEST_TIMEOUT')
})

test('a request within its budget is answered whole', async () => {
  const server = new ApolloServer({ schema, plugins: [timeBudgetPlugin(5000)] })
  await server.start()
  const result = await server.executeOperation({ query: '{ items { slow children { slow } } }' })
  await server.stop()
  const single = result.body.kind === 'single' ? result.body.singleResult : undefined
  assert.equal(single?.errors, undefined, JSON.stringify(single?.errors))
  assert.deepEqual(JSON.parse(JSON.stringify(single?.data)), {
    items: [{ slow: 'done', children: [{ slow: 'done' }, { slow: 'done' }] }],
  })
})

test('rows multiply along paths by take, and lists without take count as the maximum take', () => {
  assert.deepEqual(errorsOf('{ items(take: 10) { children(take: 10) { id } } }'), [])
  assert.equal(errorsOf('{ items(take: 200) { children(take: 200) { id } } }').length, 1)
  assert.equal(errorsOf('{ items { children { children { id } } } }').length, 1)
  assert.ok(LIMITS.rows >= 100 * 100, 'a page of users with their addresses fits')
})

test('list fields that do not page count as one: metadata is not rows', () => {
  assert.deepEqual(errorsOf('{ meta { tags children(take: 100) { tags } } }'), [])
})

test('one costly field per request, aliases and fragments included', () => {
  assert.deepEqual(errorsOf('mutation { tokenCreate tokenVerify }', oneCostlyFieldRule), [])
  assert.equal(errorsOf('mutation { a: tokenCreate b: tokenCreate }', oneCostlyFieldRule).length, 1)
  assert.equal(
    errorsOf('mutation { tokenCreate ...F } fragment F on Mutation { accountRegister }', oneCostlyFieldRule).length,
    1,
  )
})
