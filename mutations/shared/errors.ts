// The error shapes of both vocabularies: Saleor's `errors: [AccountError!]!` payload lists, and
// Openfront's coded GraphQL errors. A missing permission is always a top-level KS_ACCESS_DENIED.
import { GraphQLError } from 'graphql'
import { g, type Context } from './g'
import { ACCOUNT_ERROR_CODES, AccessDeniedError, DomainError, type FieldError } from '../../services/kernel'
import { env } from '../../env'

export const AccountErrorCode = g.enum({ name: 'AccountErrorCode', values: g.enumValues(ACCOUNT_ERROR_CODES) })

export const AccountError = g.object<FieldError>()({
  name: 'AccountError',
  fields: {
    field: g.field({
      type: g.String,
      description: 'Name of the input field that caused the error; null for the whole input.',
    }),
    message: g.field({ type: g.String }),
    code: g.field({ type: g.nonNull(AccountErrorCode) }),
  },
})

// Saleor's StaffError and PermissionGroupError: the account error plus the offending items
export const StaffError = g.object<FieldError>()({
  name: 'StaffError',
  fields: {
    field: g.field({ type: g.String }),
    message: g.field({ type: g.String }),
    code: g.field({ type: g.nonNull(AccountErrorCode) }),
    permissions: g.field({ type: g.list(g.nonNull(g.String)), resolve: e => e.permissions ?? null }),
    groups: g.field({ type: g.list(g.nonNull(g.ID)), resolve: e => e.groups ?? null }),
    users: g.field({ type: g.list(g.nonNull(g.ID)), resolve: e => e.users ?? null }),
  },
})

export const PermissionGroupError = g.object<FieldError>()({
  name: 'PermissionGroupError',
  fields: {
    field: g.field({ type: g.String }),
    message: g.field({ type: g.String }),
    code: g.field({ type: g.nonNull(AccountErrorCode) }),
    permissions: g.field({ type: g.list(g.nonNull(g.String)), resolve: e => e.permissions ?? null }),
    users: g.field({ type: g.list(g.nonNull(g.ID)), resolve: e => e.users ?? null }),
    channels: g.field({ type: g.list(g.nonNull(g.ID)), resolve: e => e.channels ?? null }),
  },
})

export type WithErrors = { errors?: FieldError[] }

export function staffErrorsField<Source extends WithErrors>() {
  return g.field({ type: g.nonNull(g.list(g.nonNull(StaffError))), resolve: (source: Source) => source.errors ?? [] })
}

export function permissionGroupErrorsField<Source extends WithErrors>() {
  return g.field({
    type: g.nonNull(g.list(g.nonNull(PermissionGroupError))),
    resolve: (source: Source) => source.errors ?? [],
  })
}

/** The `errors` field every Saleor-shaped payload ends with. */
export function errorsField<Source extends WithErrors>() {
  return g.field({
    type: g.nonNull(g.list(g.nonNull(AccountError))),
    resolve: (source: Source) => source.errors ?? [],
  })
}

// anything unexpected reaches clients as a bare internal error outside development
function toClientError(error: unknown): unknown {
  if (error instanceof AccessDeniedError)
    return new GraphQLError(error.message, { extensions: { code: 'KS_ACCESS_DENIED' } })
  if (error instanceof GraphQLError) return error
  if (env.isProduction) {
    console.error(error)
    // originalError: kept for the server edge (a database out of reach becomes a 503), never sent to clients
    return new GraphQLError('Internal server error', {
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
      originalError: error as Error,
    })
  }
  return error
}

/** Saleor shape: a DomainError becomes the payload's `errors`; success gets `errors: []`. */
export function withErrorsList<Args, Result extends object>(
  resolve: (args: Args, context: Context) => Promise<Result>,
) {
  return async (_root: unknown, args: Args, context: Context): Promise<Result & { errors: FieldError[] }> => {
    try {
      return { ...(await resolve(args, context)), errors: [] }
    } catch (error) {
      if (error instanceof DomainError) return { errors: error.errors } as Result & { errors: FieldError[] }
      throw toClientError(error)
    }
  }
}

/** Openfront shape: a DomainError becomes a GraphQL error carrying its code, field and every error. */
export function withThrownErrors<Args, Result>(resolve: (args: Args, context: Context) => Promise<Result>) {
  return async (_root: unknown, args: Args, context: Context): Promise<Result> => {
    try {
      return await resolve(args, context)
    } catch (error) {
      if (error instanceof DomainError) {
        const [first] = error.errors
        throw new GraphQLError(first?.message ?? 'Invalid input', {
          extensions: { code: first?.code ?? 'INVALID', field: first?.field ?? null, errors: error.errors },
        })
      }
      throw toClientError(error)
    }
  }
}
