// A user's email as the staff mutations take it (staffCreate/staffUpdate, customerCreate/customerUpdate):
// normalised and checked in one place, and a taken one answered the same way whether the check
// before the write or the database's unique index found it.
import type { Context } from '../../generated/keystone/types'
import { DomainError, isUniqueViolation, isValidEmail, normalizeEmail } from '../kernel'

const TAKEN = 'User with this email already exists.'

/** The normalised email, or REQUIRED (an empty one, when `required`) / INVALID on `email`. */
export function cleanEmail(raw: string | null | undefined, args: { required: boolean }): string {
  const email = normalizeEmail(raw ?? '')
  if (!isValidEmail(email)) {
    throw new DomainError({
      field: 'email',
      code: !email && args.required ? 'REQUIRED' : 'INVALID',
      message: 'Enter a valid email address.',
    })
  }
  return email
}

/** The new email of an update: undefined when it is the current one, UNIQUE when another user has it. */
export async function changedEmail(context: Context, raw: string, current: string): Promise<string | undefined> {
  const email = cleanEmail(raw, { required: false })
  if (email === current) return undefined
  await assertEmailFree(context, email)
  return email
}

/** UNIQUE on `email` when a user has this (normalised) email already. */
export async function assertEmailFree(context: Context, email: string): Promise<void> {
  if (await context.prisma.user.findUnique({ where: { email } }))
    throw new DomainError({ field: 'email', code: 'UNIQUE', message: TAKEN })
}

/**
 * Answer a unique violation the way a taken value is answered: the check before the write can
 * be overtaken by a simultaneous request (a registration, another staffCreate; PostgreSQL runs them
 * side by side), and the database then refuses the second write. Anything else is rethrown as it is.
 */
export function asTakenValueError(error: unknown): never {
  if (isUniqueViolation(error, 'email')) throw new DomainError({ field: 'email', code: 'UNIQUE', message: TAKEN })
  // no check runs before the write for this one: the index is the only judge
  if (isUniqueViolation(error, 'externalReference')) {
    throw new DomainError({
      field: 'externalReference',
      code: 'UNIQUE',
      message: 'User with this external reference already exists.',
    })
  }
  throw error
}
