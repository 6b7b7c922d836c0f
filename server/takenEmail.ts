// A generated mutation (createUser, updateUser, their bulk forms, the Admin UI) whose email, or its
// look-alike, was written by a simultaneous twin meets the unique index on email or emailSkeleton:
// Keystone would answer a bare KS_PRISMA_ERROR. It is answered as the validate hook answers a taken
// email checked before the write (lists/User.ts), so a client sees one refusal either way.
import type { GraphQLFormattedError } from 'graphql'
import { isTakenEmailViolation } from '../services/users'

export const TAKEN_EMAIL_MESSAGE = 'UNIQUE: User with this email already exists.'

/** Apollo's formatError: a taken-email unique violation becomes the validation refusal it is. */
export function formatTakenEmail(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  if (!isTakenEmailViolation(error)) return formatted
  const { path, locations } = formatted
  return {
    message: TAKEN_EMAIL_MESSAGE,
    extensions: { code: 'KS_VALIDATION_FAILURE' },
    ...(path ? { path } : {}),
    ...(locations ? { locations } : {}),
  }
}
