// isUniqueViolation: the shapes Prisma 7's driver adapters give a unique-index refusal, bare and
// wrapped by Keystone, told apart by field. The shapes are the ones the adapters were seen to throw.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { GraphQLError } from 'graphql'
import { isUniqueViolation } from '../../../../services/kernel/errors'

function prismaError(cause: Record<string, unknown>) {
  return Object.assign(new Error('Unique constraint failed'), {
    name: 'PrismaClientKnownRequestError',
    code: 'P2002',
    meta: { modelName: 'User', driverAdapterError: { name: 'DriverAdapterError', cause } },
  })
}

const POSTGRES_EMAIL = prismaError({
  originalCode: '23505',
  kind: 'UniqueConstraintViolation',
  constraint: { index: 'User_email_key' },
  table: 'User',
})
const SQLITE_EMAIL = prismaError({
  originalCode: 'SQLITE_CONSTRAINT_UNIQUE',
  kind: 'UniqueConstraintViolation',
  constraint: { fields: ['email'] },
  table: 'User',
})
const POSTGRES_REFERENCE = prismaError({
  originalCode: '23505',
  kind: 'UniqueConstraintViolation',
  constraint: { index: 'User_externalReference_key' },
  table: 'User',
})

test("isUniqueViolation recognises the PostgreSQL adapter's P2002 by the index of the field", () => {
  // given
  const error = POSTGRES_EMAIL
  // when
  const answers = [
    isUniqueViolation(error),
    isUniqueViolation(error, 'email'),
    isUniqueViolation(error, 'externalReference'),
  ]
  // then
  assert.deepEqual(answers, [true, true, false])
})

test("isUniqueViolation recognises the SQLite adapter's P2002 by its fields", () => {
  // given
  const error = SQLITE_EMAIL
  // when
  const answers = [isUniqueViolation(error, 'email'), isUniqueViolation(error, 'externalReference')]
  // then
  assert.deepEqual(answers, [true, false])
})

test('isUniqueViolation looks through the GraphQLError Keystone wraps a Prisma error in', () => {
  // given
  const wrapped = new GraphQLError('Prisma error', { originalError: POSTGRES_REFERENCE })
  // when
  const answers = [isUniqueViolation(wrapped, 'externalReference'), isUniqueViolation(wrapped, 'email')]
  // then
  assert.deepEqual(answers, [true, false])
})

test('isUniqueViolation recognises a bare PostgreSQL 23505 by its constraint name', () => {
  // given
  const error = Object.assign(new Error('duplicate key value violates unique constraint "User_email_key"'), {
    code: '23505',
    constraint: 'User_email_key',
  })
  // when
  const answer = isUniqueViolation(error, 'email')
  // then
  assert.equal(answer, true)
})

test('isUniqueViolation answers false for other database errors and for anything that is not an error', () => {
  // given
  const foreignKey = prismaError({
    originalCode: '23503',
    kind: 'ForeignKeyConstraintViolation',
    constraint: { index: 'Address_user_fkey' },
  })
  Object.assign(foreignKey, { code: 'P2003' })
  // when
  const answers = [
    isUniqueViolation(foreignKey),
    isUniqueViolation(new Error('boom')),
    isUniqueViolation(null),
    isUniqueViolation('P2002'),
  ]
  // then
  assert.deepEqual(answers, [false, false, false, false])
})
