// The request limits as plain functions and plugins, on a small schema of their own: what a request
// carries is measured with its variables substituted, the row estimate follows `take` wherever it
// is written, costly items (the fields and input fields that declare it) are counted one by one,
// and the time budget refuses root fields that would start after it while still answering what a
// finished field gave back.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ApolloServer } from '@apollo/server'
import { GraphQLError, buildSchema, parse, type GraphQLInputObjectType, type OperationDefinitionNode } from 'graphql'
import { LIMITS, formatRequestTimeout, measureRequest, timeBudgetPlugin } from '../../../server/graphqlLimits'
import { RequestTimeoutError, runWithinBudget } from '../../../services/kernel'
import { declareCostlyWork } from '../../../lists/costlyWork'

const schema = buildSchema(`
  input StringFilter { equals: String contains: String in: [String!] not: StringFilter }
  input ItemWhereInput { AND: [ItemWhereInput!] OR: [ItemWhereInput!] NOT: [ItemWhereInput!] name: StringFilter }
  input ItemWhereUniqueInput { id: ID }
  input UserCreateInput { name: String password: String metadata: JSON }
  scalar JSON
  type Item {
    id: ID
    slow: String
    children(take: Int, where: ItemWhereInput): [Item]
    tags: [String]
  }
  type Query {
    items(take: Int, where: ItemWhereInput): [Item]
    itemsCount(where: ItemWhereInput): Int
    customers(search: String, take: Int): [Item]
    meta: [Item]!
  }
  type Mutation {
    tokenCreate: String
    accountRegister: String
    tokenVerify: String
    sendPasswordResetUsers(where: [ItemWhereUniqueInput!]!): [Item]
    createUsers(data: [UserCreateInput!]!): [Item]
    createUser(data: UserCreateInput!): Item
    inviteFriend: String
  }
`)
// SDL has no extensions: declare the costly work here as the fields do at their source
const mutations = schema.getMutationType()!.getFields()
declareCostlyWork(mutations.tokenCreate!, ['password'])
declareCostlyWork(mutations.accountRegister!, ['password', 'mail'])
declareCostlyWork(mutations.sendPasswordResetUsers!, ['mail'])
declareCostlyWork((schema.getType('UserCreateInput') as GraphQLInputObjectType).getFields().password!, ['password'])

/** The limit a request passes, or undefined when it is within every one. */
function refusedLimit(source: string, variables: Record<string, unknown> = {}): string | undefined {
  const document = parse(source)
  const operation = document.definitions.find(d => d.kind === 'OperationDefinition') as OperationDefinitionNode
  try {
    measureRequest(schema, document, operation, variables)
    return undefined
  } catch (error) {
    assert.ok(error instanceof GraphQLError)
    assert.equal(error.extensions.code, 'REQUEST_TOO_LARGE')
    return String(error.extensions.limit)
  }
}

function orOf(n: number) {
  return { OR: Array.from({ length: n }, (_, i) => ({ name: { contains: `x${i}` } })) }
}

test('rows multiply along paths by take, and lists without take count as the maximum take', () => {
  assert.equal(refusedLimit('{ items(take: 10) { children(take: 10) { id } } }'), undefined)
  assert.equal(refusedLimit('{ items(take: 200) { children(take: 200) { id } } }'), 'rows')
  assert.equal(refusedLimit('{ items { children { children { id } } } }'), 'rows')
  assert.ok(LIMITS.rows >= 100 * 100, 'a page of users with their addresses fits')
})

test('a take given in variables is read: the Admin UI pages with $take', () => {
  const source = 'query($t: Int!) { items(take: $t) { children { children(take: 1) { id } } } }'
  assert.equal(refusedLimit(source, { t: 50 }), undefined)
  assert.equal(refusedLimit(source, { t: 100 }), 'rows')
})

test('list fields that do not page count as one: metadata is not rows', () => {
  assert.equal(refusedLimit('{ meta { tags children(take: 100) { tags } } }'), undefined)
})

test('a filter in variables is measured as if it were written in the document', () => {
  const source = 'query($w: ItemWhereInput) { itemsCount(where: $w) }'
  assert.equal(refusedLimit(source, { w: orOf(10) }), undefined)
  assert.equal(refusedLimit(source, { w: orOf(100) }), 'filterValues')
})

test('aliases multiply what one variable carries', () => {
  const aliases = (n: number) =>
    `query($w: ItemWhereInput) { ${Array.from({ length: n }, (_, i) => `a${i}: itemsCount(where: $w)`).join(' ')} }`
  // 61 values a filter: fine once, too much thirty times over
  assert.equal(refusedLimit(aliases(1), { w: orOf(20) }), undefined)
  assert.equal(refusedLimit(aliases(30), { w: orOf(20) }), 'requestFilterValues')
})

test('a filter under a list is counted once for every item of that list', () => {
  const source = 'query($w: ItemWhereInput) { items(take: 100) { children(take: 1, where: $w) { id } } }'
  assert.equal(refusedLimit(source, { w: { name: { equals: 'a' } } }), undefined)
  assert.equal(refusedLimit(source, { w: orOf(5) }), 'requestFilterValues')
})

test('deep NOT nesting, long lists and long filter strings are refused however they arrive', () => {
  let deep: Record<string, unknown> = { name: { equals: 'a' } }
  for (let i = 0; i < 2000; i++) deep = { NOT: [deep] }
  const source = 'query($w: ItemWhereInput) { itemsCount(where: $w) }'
  assert.equal(refusedLimit(source, { w: deep }), 'inputDepth')
  // declared, never read: GraphQL would still coerce it
  assert.equal(refusedLimit('query($w: ItemWhereInput) { meta { id } }', { w: deep }), 'inputDepth')
  const names = Array.from({ length: 101 }, (_, i) => `n${i}`)
  assert.equal(refusedLimit(source, { w: { name: { in: names } } }), 'listItems')
  assert.equal(refusedLimit(source, { w: { name: { in: names.slice(0, 100) } } }), undefined)
  assert.equal(refusedLimit(source, { w: { name: { contains: 'x'.repeat(3000) } } }), 'filterString')
  assert.equal(
    refusedLimit('query($s: String) { customers(search: $s) { id } }', { s: 'x'.repeat(3000) }),
    'filterString',
  )
  // a long string outside a filter is bounded by the request's characters, not the filter's
  assert.equal(
    refusedLimit('mutation($d: UserCreateInput!) { createUser(data: $d) { id } }', { d: { name: 'x'.repeat(3000) } }),
    undefined,
  )
})

test('a deep JSON value is refused without recursing through it', () => {
  let deep: unknown = 'leaf'
  for (let i = 0; i < 100_000; i++) deep = [deep]
  const source = 'mutation($d: UserCreateInput!) { createUser(data: $d) { id } }'
  assert.equal(refusedLimit(source, { d: { metadata: deep } }), 'jsonDepth')
})

test('one costly item per request: aliases, fragments, bulk items and passwords in generated inputs', () => {
  assert.equal(refusedLimit('mutation { tokenCreate tokenVerify }'), undefined)
  assert.equal(refusedLimit('mutation { a: tokenCreate b: tokenCreate }'), 'costlyItems')
  assert.equal(refusedLimit('mutation { tokenCreate ...F } fragment F on Mutation { accountRegister }'), 'costlyItems')
  const resets = 'mutation($w: [ItemWhereUniqueInput!]!) { sendPasswordResetUsers(where: $w) { id } }'
  assert.equal(refusedLimit(resets, { w: [{ id: '1' }] }), undefined)
  assert.equal(refusedLimit(resets, { w: [{ id: '1' }, { id: '2' }] }), 'costlyItems')
  const creates = 'mutation($d: [UserCreateInput!]!) { createUsers(data: $d) { id } }'
  assert.equal(refusedLimit(creates, { d: [{ name: 'a' }, { name: 'b' }, { name: 'c' }] }), undefined)
  assert.equal(refusedLimit(creates, { d: [{ name: 'a', password: 'p1' }] }), undefined)
  assert.equal(refusedLimit(creates, { d: [{ password: 'p1' }, { password: 'p2' }] }), 'costlyItems')
  assert.equal(refusedLimit('mutation { createUser(data: { password: "p" }) { id } tokenCreate }'), 'costlyItems')
})

test('a field that declares costly work is limited by that declaration alone, not by its name', () => {
  assert.equal(refusedLimit('mutation { a: inviteFriend b: inviteFriend }'), undefined)
  declareCostlyWork(mutations.inviteFriend!, ['mail'])
  assert.equal(refusedLimit('mutation { inviteFriend }'), undefined)
  assert.equal(refusedLimit('mutation { a: inviteFriend b: inviteFriend }'), 'costlyItems')
  assert.equal(refusedLimit('mutation { inviteFriend tokenCreate }'), 'costlyItems')
})

// long enough that parsing, validating and starting a field fit well within it on a loaded machine;
// the slow resolvers take twice as long, so they always end past it
const BUDGET_MS = 1000
const SLOW_MS = 2 * BUDGET_MS
let calls = 0
const slowSchema = buildSchema(`
  type Item { id: ID slow: String }
  type Query { items: [Item] wait: [Item] after: String }
  type Mutation { commit: [Item] }
`)
const rootValue = {
  items: () => [{ id: '1' }],
  wait: async () => {
    await new Promise(resolve => setTimeout(resolve, SLOW_MS))
    return [{ id: 'a' }, { id: 'b' }]
  },
  after: () => {
    calls++
    return 'ran'
  },
  // a change that committed just before the budget ran out
  commit: async () => {
    await new Promise(resolve => setTimeout(resolve, SLOW_MS))
    return [{ id: 'x' }, { id: 'y' }]
  },
}

async function run(query: string, budgetMs = BUDGET_MS) {
  const server = new ApolloServer({ schema: slowSchema, rootValue, plugins: [timeBudgetPlugin(budgetMs)] })
  await server.start()
  try {
    // warm: the first operation of a server prepares its schema
    await server.executeOperation({ query: '{ items { id } }' })
    const result = await runWithinBudget(budgetMs, () => server.executeOperation({ query }))
    assert.equal(result.body.kind, 'single')
    return result.body.kind === 'single' ? result.body.singleResult : undefined
  } finally {
    await server.stop()
  }
}

test('a root field that would start past the budget is refused', async () => {
  calls = 0
  const single = await run('mutation { commit { id } }')
  assert.equal(single?.errors, undefined, JSON.stringify(single?.errors))
  const query = await run('{ wait { id } after }')
  assert.equal(calls, 1, 'query fields run side by side, all started within the budget')
  const serial = await run('mutation { a: commit { id } b: commit { id } }')
  assert.deepEqual(
    serial?.errors?.map(e => [e.path?.[0], e.extensions?.code]),
    [['b', 'REQUEST_TIMEOUT']],
  )
  assert.deepEqual(JSON.parse(JSON.stringify(serial?.data?.a)), [{ id: 'x' }, { id: 'y' }])
  assert.ok(query)
})

test('what a finished field gave back is answered after the budget: no error for work that committed', async () => {
  const single = await run('mutation { commit { id slow } }')
  assert.equal(single?.errors, undefined, JSON.stringify(single?.errors))
  assert.deepEqual(JSON.parse(JSON.stringify(single?.data)), {
    commit: [
      { id: 'x', slow: null },
      { id: 'y', slow: null },
    ],
  })
})

test("work stopped by the budget answers our own code and words, never Prisma's or PostgreSQL's", () => {
  const formatted = (message: string) => ({
    message,
    path: ['updateUsers'],
    extensions: { code: 'INTERNAL_SERVER_ERROR' },
  })
  // Prisma's interactive transaction expired (P2028), as Keystone hands it on
  const expired = Object.assign(
    new Error('Invalid `prisma.user.update()` invocation: Transaction API error: Transaction already closed'),
    { name: 'PrismaClientKnownRequestError', code: 'P2028' },
  )
  // PostgreSQL cancelled a statement at statement_timeout, inside the driver adapter's error
  const cancelled = Object.assign(new Error('Prisma error'), {
    name: 'PrismaClientKnownRequestError',
    meta: {
      driverAdapterError: {
        cause: { originalCode: '57014', originalMessage: 'canceling statement due to statement timeout' },
      },
    },
  })
  for (const cause of [expired, cancelled, new RequestTimeoutError(10_000)]) {
    const answer = formatRequestTimeout(
      formatted(cause.message),
      new GraphQLError('Prisma error', { originalError: cause }),
    )
    assert.equal(answer.extensions?.code, 'REQUEST_TIMEOUT')
    assert.deepEqual(answer.path, ['updateUsers'])
    assert.doesNotMatch(answer.message, /prisma|Transaction API|invocation|canceling/i)
  }
  // anything else passes untouched
  const other = formatted('Internal server error')
  assert.equal(formatRequestTimeout(other, new GraphQLError('x', { originalError: new Error('boom') })), other)
})
