// A user's email, in one place: the columns a row stores for it (the normalised address and its
// confusable skeleton), who already holds an address or one that looks like it, and a taken one
// answered the same way whether the check before the write or the database's unique indexes
// (email, emailSkeleton) found it.
import type { Context } from '../../generated/keystone/types'
import { DomainError, emailSkeleton, isUniqueViolation, isValidEmail, normalizeEmail } from '../kernel'

const TAKEN = 'User with this email already exists.'

/** What a row stores for an email: the normalised address and its skeleton, always together. */
export function emailColumns(raw: string): { email: string; emailSkeleton: string } {
  const email = normalizeEmail(raw)
  return { email, emailSkeleton: emailSkeleton(email) }
}

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

/**
 * The user who holds this (normalised) email, or else one whose email looks like it (the same
 * skeleton): either way the address is taken, and that user is who a notice goes to. `exceptUserId`
 * leaves one user out (an update may keep a look-alike of its own address).
 */
export async function findEmailHolder(
  context: Context,
  email: string,
  args: { exceptUserId?: string } = {},
): Promise<{ id: string; email: string; firstName: string } | null> {
  const except = args.exceptUserId ? { NOT: { id: args.exceptUserId } } : {}
  const select = { id: true, email: true, firstName: true }
  // both columns are unique: at most one row holds the email and one the skeleton
  const rows = await context.prisma.user.findMany({
    where: { OR: [{ email }, { emailSkeleton: emailSkeleton(email) }], ...except },
    select,
    take: 2,
  })
  return rows.find(row => row.email === email) ?? rows[0] ?? null
}

/** The new email of an update: undefined when it is the current one, UNIQUE when another user has it or one like it. */
export async function changedEmail(
  context: Context,
  raw: string,
  current: { id: string; email: string },
): Promise<string | undefined> {
  const email = cleanEmail(raw, { required: false })
  if (email === current.email) return undefined
  await assertEmailFree(context, email, { exceptUserId: current.id })
  return email
}

/** UNIQUE on `email` when another user has this (normalised) email or one that looks like it. */
export async function assertEmailFree(
  context: Context,
  email: string,
  args: { exceptUserId?: string } = {},
): Promise<void> {
  if (await findEmailHolder(context, email, args))
    throw new DomainError({ field: 'email', code: 'UNIQUE', message: TAKEN })
}

/** Whether a write was refused because another row holds the email or its skeleton. */
export function isTakenEmailViolation(error: unknown): boolean {
  return isUniqueViolation(error, 'email') || isUniqueViolation(error, 'emailSkeleton')
}

/**
 * Answer a unique violation the way a taken value is answered: the check before the write can
 * be overtaken by a simultaneous request (a registration, another staffCreate; PostgreSQL runs them
 * side by side), and the database then refuses the second write. Anything else is rethrown as it is.
 */
export function asTakenValueError(error: unknown): never {
  if (isTakenEmailViolation(error)) throw new DomainError({ field: 'email', code: 'UNIQUE', message: TAKEN })
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
