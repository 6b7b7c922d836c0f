// server/takenEmail.ts: a generated mutation that met the unique index on email or on its
// look-alike skeleton is answered as the taken-email validation refusal, on both adapters' shapes;
// every other error passes unchanged.
import '../../helpers/env'
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { GraphQLError } from 'graphql'
import { TAKEN_EMAIL_MESSAGE, formatTakenEmail } from '../../../server/takenEmail'

function prismaError(cause: Record<string, unknown>) {
  return Object.assign(new Error('Unique constraint failed'), {
    name: 'PrismaClientKnownRequestError',
    code: 'P2002',
    meta: { modelName: 'User', driverAdapterError: { name: 'DriverAdapterError', cause } },
  })
}

const violations = {
  'PostgreSQL, email': { originalCode: '23505', constraint: { index: 'User_email_key' } },
  'PostgreSQL, emailSkeleton': { originalCode: '23505', constraint: { index: 'User_emailSkeleton_key' } },
  'SQLite, email': { originalCode: 'SQLITE_CONSTRAINT_UNIQUE', constraint: { fields: ['email'] } },
  'SQLite, emailSkeleton': { originalCode: 'SQLITE_CONSTRAINT_UNIQUE', constraint: { fields: ['emailSkeleton'] } },
}

const KEYSTONE_ANSWER = { message: 'Prisma error', path: ['createUser'], extensions: { code: 'KS_PRISMA_ERROR' } }

for (const [name, cause] of Object.entries(violations)) {
  test(`formatTakenEmail answers a unique violation on ${name} as the taken-email refusal`, () => {
    // given what Keystone hands formatError: a GraphQLError around the Prisma error
    const error = new GraphQLError('Prisma error', {
      path: ['createUser'],
      originalError: prismaError({ kind: 'UniqueConstraintViolation', table: 'User', ...cause }),
    })

    // when
    const answer = formatTakenEmail(KEYSTONE_ANSWER, error)

    // then
    assert.deepEqual(answer, {
      message: TAKEN_EMAIL_MESSAGE,
      extensions: { code: 'KS_VALIDATION_FAILURE' },
      path: ['createUser'],
    })
  })
}

test('formatTakenEmail leaves another unique violation and any other error as they are', () => {
  const reference = new GraphQLError('Prisma error', {
    originalError: prismaError({
      originalCode: '23505',
      kind: 'UniqueConstraintViolation',
      constraint: { index: 'User_externalReference_key' },
    }),
  })
  assert.equal(formatTakenEmail(KEYSTONE_ANSWER, reference), KEYSTONE_ANSWER)
  const other = { message: 'boom', extensions: { code: 'INTERNAL_SERVER_ERROR' } }
  assert.equal(formatTakenEmail(other, new Error('boom')), other)
})
