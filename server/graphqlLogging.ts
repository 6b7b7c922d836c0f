// What the log says of GraphQL: one line per error a request ran into, with the code the client was
// answered (Apollo's formatError, the one decision of what an error is: a taken email met on the
// unique index is KS_VALIDATION_FAILURE in the log as in the answer), its path and the operation's
// name, and for an unexpected error the type and stack frames of its cause. Never the document, the
// variables or an error's message: graphql-js quotes an inline argument in its messages (a password
// included), and Prisma quotes the arguments of the failed call.
import type { ApolloServerPlugin } from '@apollo/server'
import { GraphQLError, type GraphQLFormattedError } from 'graphql'
import type { Level, Logger } from 'pino'
import { logger as rootLogger, scrubText } from './logger'
import { REQUEST_TIMEOUT } from '../services/kernel'
import { CONCURRENT_CHANGE, DATABASE_UNAVAILABLE } from './databaseErrors'

// a bug or a failing database, worth an alarm; every other code is what a client caused and was told
const UNEXPECTED_CODES = new Set(['INTERNAL_SERVER_ERROR', 'KS_PRISMA_ERROR', DATABASE_UNAVAILABLE])
// not the client's doing, nor a bug: a database slower than the budget, a transaction it ended for another
const DEGRADED_CODES = new Set([REQUEST_TIMEOUT, CONCURRENT_CHANGE])

/** Apollo's formatError: what a client is answered for an error (keystone.ts composes it). */
export type FormatError = (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError

/** The answer Apollo gives for `error`: its own form, INTERNAL_SERVER_ERROR without a code, then formatError. */
export function answerTo(error: GraphQLError, formatError: FormatError): GraphQLFormattedError {
  const own = error.toJSON()
  const code = own.extensions?.code ?? 'INTERNAL_SERVER_ERROR'
  return formatError({ ...own, extensions: { ...own.extensions, code } }, error)
}

/**
 * Keystone refuses the Admin UI's metadata to anyone signed out with a plain Error, which would
 * read as an internal error: the Admin UI asks for it on every page, the sign-in page included.
 */
export function isAdminMetaRefusal(error: GraphQLError): boolean {
  return error.path?.join('.') === 'keystone.adminMeta' && error.originalError?.message === 'Access denied'
}

/** Apollo's formatError: the metadata refusal is answered as the access refusal it is. */
export function formatAdminMetaRefusal(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  if (!(error instanceof GraphQLError) || !isAdminMetaRefusal(error)) return formatted
  return { ...formatted, extensions: { code: 'KS_ACCESS_DENIED' } }
}

// graphql-js's suggestions: ` Did you mean "a", "b", or "c"?`, ` Did you mean the enum value "A"?`,
// ` Did you mean to use an inline fragment on "T"?`; schema names only, which never hold a `?`; and
// what graphql-armor leaves of a field suggestion
const SUGGESTION = /\s*(Did you mean [^?]*|\[Suggestion hidden\])\??/g

/**
 * Apollo's formatError: no message lists the schema's names to a caller who cannot introspect
 * (field, argument, input field, type and enum value suggestions, in validation and in variable
 * coercion alike). graphql-armor's blockFieldSuggestion covers field suggestions only.
 */
export function withoutSuggestions(formatted: GraphQLFormattedError, introspection: boolean): GraphQLFormattedError {
  if (introspection || !/Did you mean|\[Suggestion hidden\]/.test(formatted.message)) return formatted
  return { ...formatted, message: formatted.message.replace(SUGGESTION, '') }
}

/** The fields of one error's log line: the code as answered (`formatError`), never its own. */
export function describeGraphQLError(
  error: GraphQLError,
  formatError: FormatError,
): {
  code: string
  path?: string
  cause?: { type: string; frames: string[] }
} {
  const answered = answerTo(error, formatError).extensions?.code
  const code = typeof answered === 'string' ? answered : 'INTERNAL_SERVER_ERROR'
  const path = error.path?.join('.')
  const cause =
    error.originalError && UNEXPECTED_CODES.has(code)
      ? { type: error.originalError.name, frames: stackFrames(error.originalError) }
      : undefined
  return { code, ...(path ? { path } : {}), ...(cause ? { cause } : {}) }
}

/**
 * How loud an error's line is: a bug or a failing database is an error; a database slower than the
 * budget or a transaction it ended for a concurrent one, not the client's doing, a warning; a
 * refusal of someone signed out who asked for what needs a session (the Admin UI asks for its
 * metadata on every page, the sign-in page included) is expected, so debug; anything else a client
 * caused, a signed-in caller's refusal included, info.
 */
export function logLevelOf(code: string, signedIn: boolean): Level {
  if (UNEXPECTED_CODES.has(code)) return 'error'
  if (DEGRADED_CODES.has(code)) return 'warn'
  if (code === 'KS_ACCESS_DENIED' && !signedIn) return 'debug'
  return 'info'
}

/**
 * An Apollo plugin that logs each error of each request, never its document or variables; a request
 * refused before any field ran (a Bearer token that is not good, auth.ts) is logged the same way.
 */
export function graphqlErrorLogging(
  formatError: FormatError,
  logger: Logger = rootLogger,
): ApolloServerPlugin<{ session?: unknown }> {
  const log = (error: GraphQLError, signedIn: boolean, operationName?: string | null) => {
    const line = describeGraphQLError(error, formatError)
    const fields = { graphql: { ...line, ...(operationName ? { operation: operationName } : {}) } }
    logger[logLevelOf(line.code, signedIn)](fields, `graphql error ${line.code}`)
  }
  return {
    async contextCreationDidFail({ error }) {
      if (error instanceof GraphQLError) log(error, false)
    },
    async requestDidStart() {
      return {
        async didEncounterErrors({ errors, operationName, contextValue }) {
          for (const error of errors) log(error, contextValue?.session !== undefined, operationName)
        },
      }
    },
  }
}

// the "at …" lines only: the first lines of a stack repeat the message
export function stackFrames(error: Error): string[] {
  return (error.stack ?? '')
    .split('\n')
    .map(line => line.trim())
    .filter(line => line.startsWith('at '))
    .slice(0, 10)
    .map(scrubText)
}
