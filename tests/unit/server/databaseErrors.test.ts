// Which failures mean "the database is out of reach" (server/databaseErrors.ts), and what a client
// is told: the shapes Prisma, its pg adapter, pg itself and our own wrappers give such a failure,
// against failures that must stay what they are; and, through a small Apollo server, the 503.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ApolloServer } from '@apollo/server'
import { GraphQLError, GraphQLObjectType, GraphQLSchema, GraphQLString } from 'graphql'
import {
  databaseUnavailablePlugin,
  formatDatabaseErrors,
  isDatabaseUnavailable,
  isWriteConflict,
} from '../../../server/databaseErrors'

function withFields<T extends object>(error: Error, fields: T): Error & T {
  return Object.assign(error, fields)
}

const prismaUnreachable = withFields(new Error("Can't reach database server at 127.0.0.1:5432"), {
  name: 'PrismaClientKnownRequestError',
  code: 'P1001',
  meta: {
    driverAdapterError: {
      name: 'DriverAdapterError',
      cause: { kind: 'DatabaseNotReachable', host: '127.0.0.1', port: 5432 },
    },
  },
})

test('connection-level failures are recognised however they are wrapped', () => {
  const masked = new GraphQLError('Internal server error', {
    extensions: { code: 'INTERNAL_SERVER_ERROR' },
    originalError: prismaUnreachable,
  })
  const cases: [string, unknown][] = [
    ['Prisma P1001', prismaUnreachable],
    ['Prisma P1017', withFields(new Error('Server has closed the connection.'), { code: 'P1017' })],
    ['adapter cause', withFields(new Error('x'), { cause: { kind: 'ConnectionClosed' } })],
    [
      'pg ECONNREFUSED',
      withFields(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED', syscall: 'connect' }),
    ],
    [
      'pg admin shutdown',
      withFields(new Error('terminating connection due to administrator command'), { code: '57P01' }),
    ],
    ['pg connection terminated', new Error('Connection terminated unexpectedly')],
    ['pg pool timeout', new Error('timeout exceeded when trying to connect')],
    [
      'AggregateError',
      new AggregateError([withFields(new Error('connect ECONNREFUSED ::1:5432'), { code: 'ECONNREFUSED' })], ''),
    ],
    ['masked by a mutation', masked],
    ['located by graphql-js', new GraphQLError('Internal server error', { originalError: masked })],
  ]
  for (const [name, error] of cases) assert.equal(isDatabaseUnavailable(error), true, name)
})

test('other failures stay what they are', () => {
  const cases: [string, unknown][] = [
    [
      'unique constraint',
      withFields(new Error('Unique constraint failed on the fields: (`email`)'), { code: 'P2002' }),
    ],
    ['record not found', withFields(new Error('No record was found'), { code: 'P2025' })],
    ['pg syntax error', withFields(new Error('syntax error at or near "x"'), { code: '42601', severity: 'ERROR' })],
    [
      'access denied',
      new GraphQLError('You do not have access to this resource', { extensions: { code: 'KS_ACCESS_DENIED' } }),
    ],
    ['a plain bug', new TypeError("Cannot read properties of undefined (reading 'id')")],
    ['not an error', 'ECONNREFUSED'],
    ['nothing', undefined],
  ]
  for (const [name, error] of cases) assert.equal(isDatabaseUnavailable(error), false, name)
  const looped = withFields(new Error('loop'), { cause: undefined as unknown })
  looped.cause = looped
  assert.equal(isDatabaseUnavailable(looped), false)
})

test("a client is told DATABASE_UNAVAILABLE, retryable, without the driver's message; other errors pass untouched", () => {
  const prismaError = { message: 'Prisma error', path: ['me'], extensions: { code: 'KS_PRISMA_ERROR' } }
  const formatted = formatDatabaseErrors(prismaError, prismaUnreachable)
  assert.equal(formatted.extensions?.code, 'DATABASE_UNAVAILABLE')
  assert.equal(formatted.extensions?.retryable, true)
  assert.deepEqual(formatted.path, ['me'])
  assert.doesNotMatch(JSON.stringify(formatted), /127\.0\.0\.1|reach/)
  const other = { message: 'Unique', extensions: { code: 'KS_PRISMA_ERROR' } }
  assert.equal(formatDatabaseErrors(other, new Error('Unique constraint failed')), other)
})

test("a transaction ended for a concurrent one is answered CONCURRENT_CHANGE, retryable, without Prisma's text, however it is wrapped", () => {
  // given a deadlock as Prisma reports it, and as Keystone wraps a hook's failure in production
  const prismaDeadlock = withFields(
    new Error('Transaction failed due to a write conflict or a deadlock. Please retry your transaction'),
    { code: 'P2034' },
  )
  const pgDeadlock = withFields(new Error('deadlock detected'), { code: '40P01' })
  const wrapped = {
    message:
      'An error occurred while running "afterOperation".\n - User.hooks.afterOperation: Invalid `prisma.oneTimeToken.deleteMany()` invocation: Transaction failed due to a write conflict or a deadlock. Please retry your transaction',
    path: ['updateUser'],
    extensions: { code: 'KS_EXTENSION_ERROR' },
  }
  // when / then
  for (const [formatted, error] of [
    [{ message: 'Prisma error', path: ['staffCreate'], extensions: { code: 'KS_PRISMA_ERROR' } }, prismaDeadlock],
    [
      { message: 'Internal server error', path: ['setPassword'], extensions: { code: 'INTERNAL_SERVER_ERROR' } },
      pgDeadlock,
    ],
    [wrapped, new GraphQLError(wrapped.message)],
  ] as const) {
    const answer = formatDatabaseErrors(formatted, error)
    assert.equal(answer.extensions?.code, 'CONCURRENT_CHANGE')
    assert.equal(answer.extensions?.retryable, true)
    assert.deepEqual(answer.path, formatted.path)
    assert.doesNotMatch(answer.message, /prisma|deleteMany|hooks/i)
  }
  // and a unique violation is not one
  assert.equal(isWriteConflict(withFields(new Error('Unique constraint failed'), { code: 'P2002' })), false)
})

test('Apollo answers 503 with Retry-After for a resolver that could not reach the database, 200 otherwise', async () => {
  const schema = new GraphQLSchema({
    query: new GraphQLObjectType({
      name: 'Query',
      fields: {
        down: {
          type: GraphQLString,
          resolve: () => {
            throw prismaUnreachable
          },
        },
        up: { type: GraphQLString, resolve: () => 'ok' },
      },
    }),
  })
  const server = new ApolloServer({ schema, plugins: [databaseUnavailablePlugin()], formatError: formatDatabaseErrors })
  await server.start()
  try {
    const down = await server.executeOperation({ query: '{ down }' })
    assert.equal(down.http.status, 503)
    assert.equal(down.http.headers.get('retry-after'), '5')
    assert.ok(down.body.kind === 'single')
    assert.equal(down.body.singleResult.errors?.[0]?.extensions?.code, 'DATABASE_UNAVAILABLE')
    const up = await server.executeOperation({ query: '{ up }' })
    assert.equal(up.http.status, undefined)
    assert.equal(up.http.headers.get('retry-after'), undefined)
  } finally {
    await server.stop()
  }
})
