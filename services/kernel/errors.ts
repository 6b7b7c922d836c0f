// Expected failures of the domain: a DomainError carries every { field, code, message, params }
// at once; adapters turn it into Saleor's `errors` list or an Openfront GraphQL error.

export const ACCOUNT_ERROR_CODES = [
  'ACTIVATE_OWN_ACCOUNT',
  'ACTIVATE_SUPERUSER_ACCOUNT',
  'ACCOUNT_NOT_CONFIRMED',
  'ASSIGN_NON_STAFF_MEMBER',
  'CANNOT_REMOVE_FROM_LAST_GROUP',
  'CHANNEL_INACTIVE',
  'DEACTIVATE_OWN_ACCOUNT',
  'DEACTIVATE_SUPERUSER_ACCOUNT',
  'DELETE_NON_STAFF_USER',
  'DELETE_OWN_ACCOUNT',
  'DELETE_STAFF_ACCOUNT',
  'DELETE_SUPERUSER_ACCOUNT',
  'DISABLED_AUTHENTICATION_METHOD',
  'DUPLICATED_INPUT_ITEM',
  // not Saleor's: an OpenID Connect provider that did not answer (API.md §10); nothing was created
  'EXTERNAL_PROVIDER_UNAVAILABLE',
  'GRAPHQL_ERROR',
  'IMPERSONATION_FORBIDDEN',
  'INACTIVE',
  'INVALID',
  'INVALID_CREDENTIALS',
  'INVALID_MFA_CHALLENGE',
  'INVALID_MFA_CODE',
  'INVALID_PASSWORD',
  'JWT_DECODE_ERROR',
  // not Saleor's: externalAccountUnlink of the account's last way in (API.md §10)
  'LAST_SIGN_IN_METHOD',
  'JWT_INVALID_CSRF_TOKEN',
  'JWT_INVALID_TOKEN',
  'JWT_MISSING_TOKEN',
  'JWT_SIGNATURE_EXPIRED',
  'LEFT_NOT_MANAGEABLE_PERMISSION',
  'LOGIN_ATTEMPT_DELAYED',
  'MFA_REQUIRED',
  'NOT_FOUND',
  'OUT_OF_SCOPE_CHANNEL',
  'OUT_OF_SCOPE_GROUP',
  'OUT_OF_SCOPE_PERMISSION',
  'OUT_OF_SCOPE_USER',
  'PASSWORD_ENTIRELY_NUMERIC',
  'PASSWORD_TOO_COMMON',
  'PASSWORD_TOO_SHORT',
  'PASSWORD_TOO_SIMILAR',
  'REQUIRED',
  // not Saleor's: our per-IP limit on registration and reset requests (services/requestLimits.ts)
  'TOO_MANY_REQUESTS',
  'UNIQUE',
] as const

export type AccountErrorCode = (typeof ACCOUNT_ERROR_CODES)[number]

export type FieldError = {
  field: string | null
  code: AccountErrorCode
  message: string
  /** names of the offending items, for staff and permission group errors */
  permissions?: string[]
  groups?: string[]
  users?: string[]
  channels?: string[]
}

export class DomainError extends Error {
  readonly errors: FieldError[]

  constructor(errors: FieldError | FieldError[]) {
    const list = Array.isArray(errors) ? errors : [errors]
    super(list.map(e => `${e.field ?? 'input'}: ${e.message}`).join('; '))
    this.name = 'DomainError'
    this.errors = list
  }
}

/** Throw one DomainError carrying every collected error, if there are any. */
export function throwIfAny(errors: FieldError[]): void {
  if (errors.length > 0) throw new DomainError(errors)
}

/** A client-visible refusal that is not a field error: a missing permission. */
export class AccessDeniedError extends Error {
  readonly code = 'KS_ACCESS_DENIED'
  constructor(message = 'You do not have access to this resource') {
    super(message)
    this.name = 'AccessDeniedError'
  }
}

/**
 * Tell whether `error` is a unique-constraint violation, on `field` when one is named. Two
 * requests that both checked a value was free can still both try to write it; the database's
 * unique index refuses the second, and callers answer that as they answer a taken value.
 *
 * Recognised on both databases and through every wrapper seen: Prisma's P2002, which through
 * driver adapters carries the driver's error in `meta.driverAdapterError.cause` (SQLite names
 * the `fields`, PostgreSQL the index, `<Model>_<field>_key`), a bare PostgreSQL 23505, and
 * Keystone's GraphQLError around either (`originalError`).
 */
export function isUniqueViolation(error: unknown, field?: string): boolean {
  const violation = findUniqueViolation(error)
  if (violation === undefined) return false
  if (field === undefined) return true
  return (
    violation.fields.includes(field) ||
    violation.indexes.some(index => index === field || index.endsWith(`_${field}_key`))
  )
}

type UniqueViolation = { fields: string[]; indexes: string[] }

function findUniqueViolation(error: unknown): UniqueViolation | undefined {
  // a GraphQLError keeps the Prisma error as originalError; other wrappers use cause
  for (let current = error, depth = 0; isObject(current) && depth < 5; depth++) {
    const violation = asUniqueViolation(current)
    if (violation) return violation
    current = current.originalError ?? current.cause
  }
  return undefined
}

function asUniqueViolation(error: Record<string, unknown>): UniqueViolation | undefined {
  const meta = isObject(error.meta) ? error.meta : {}
  const adapterError = isObject(meta.driverAdapterError) ? meta.driverAdapterError : undefined
  const driver = adapterError && isObject(adapterError.cause) ? adapterError.cause : undefined
  const isViolation =
    error.code === 'P2002' ||
    error.code === '23505' ||
    driver?.kind === 'UniqueConstraintViolation' ||
    driver?.originalCode === '23505'
  if (!isViolation) return undefined
  const constraint = driver && isObject(driver.constraint) ? driver.constraint : {}
  const fields = [meta.target, constraint.fields].flatMap(names => (Array.isArray(names) ? names.map(String) : []))
  const indexes = [meta.target, constraint.index, error.constraint].filter(
    (name): name is string => typeof name === 'string',
  )
  return { fields, indexes }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null
}
