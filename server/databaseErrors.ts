// The one place where a database that cannot be reached becomes an answer: a GraphQL request that
// ran into a connection-level failure (PostgreSQL stopped, restarting or refusing connections, a
// connection cut in the middle of a query) is answered HTTP 503 with a Retry-After header and one
// retryable GraphQL error, code DATABASE_UNAVAILABLE, instead of a 500 or Keystone's "Prisma
// error". Nothing of the driver's message reaches the client (it can quote hosts and arguments).
// The pg pool drops broken connections and opens new ones on demand, so once the database is back
// the same process answers normally again.
import type { ApolloServerPlugin } from '@apollo/server'
import type { GraphQLFormattedError } from 'graphql'
import { someErrorInChain } from '../services/kernel'

export const DATABASE_UNAVAILABLE = 'DATABASE_UNAVAILABLE'
export const RETRY_AFTER_SECONDS = 5
export const DATABASE_UNAVAILABLE_MESSAGE = 'The database is unavailable at the moment; try the request again shortly.'

// Prisma: P1001 can't reach the server, P1002 timed out reaching it, P1008 operation timed out,
// P1017 the server closed the connection, P2024 no pool connection in time
const PRISMA_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024'])
// Node sockets and PostgreSQL's SQLSTATEs: class 08 (connection exception), 57P01-57P03 (admin
// shutdown, crash shutdown, cannot connect now)
const DRIVER_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EPIPE',
  'EHOSTUNREACH',
  '57P01',
  '57P02',
  '57P03',
])
// the kinds @prisma/adapter-pg gives a socket error (DriverAdapterError's cause)
const ADAPTER_KINDS = new Set(['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout'])
const MESSAGES = new RegExp(
  [
    "Can't reach database server",
    'Server has closed the connection',
    'Connection terminated',
    'terminating connection due to administrator command',
    'the database system is (starting up|shutting down|in recovery mode)',
    'Client has encountered a connection error',
    'Connection refused',
    'connect ECONNREFUSED',
    'timeout exceeded when trying to connect',
  ].join('|'),
  'i',
)

/** Whether `error`, or anything it wraps, says the database could not be reached or dropped the connection. */
export function isDatabaseUnavailable(error: unknown): boolean {
  return someErrorInChain(error, ({ code, kind, originalCode, message }) => {
    if (typeof code === 'string' && (PRISMA_CODES.has(code) || DRIVER_CODES.has(code) || code.startsWith('08')))
      return true
    if (typeof originalCode === 'string' && (DRIVER_CODES.has(originalCode) || originalCode.startsWith('08')))
      return true
    if (typeof kind === 'string' && ADAPTER_KINDS.has(kind)) return true
    return typeof message === 'string' && MESSAGES.test(message)
  })
}

// A transaction PostgreSQL ended because it waited in a cycle with another (a deadlock) or could
// not serialise it: everything it wrote rolled back, and the same request sent again runs alone.
// Answered CONCURRENT_CHANGE, retryable, never with Prisma's text (which names models and calls).
// PostgreSQL's 40P01 deadlock_detected and 40001 serialization_failure; Prisma's P2034 for either.
export const CONCURRENT_CHANGE = 'CONCURRENT_CHANGE'
export const CONCURRENT_CHANGE_MESSAGE =
  'Another change of the same data ran at the same moment, and nothing of this one was kept; send it again.'
const CONFLICT_CODES = new Set(['P2034', '40P01', '40001'])
const CONFLICT_MESSAGES = /deadlock detected|write conflict or a deadlock|could not serialize access/i

/** Whether `error`, or anything it wraps, is a transaction the database ended for a concurrent one. */
export function isWriteConflict(error: unknown): boolean {
  return someErrorInChain(error, ({ code, originalCode, message }) => {
    if (typeof code === 'string' && CONFLICT_CODES.has(code)) return true
    if (typeof originalCode === 'string' && CONFLICT_CODES.has(originalCode)) return true
    return typeof message === 'string' && CONFLICT_MESSAGES.test(message)
  })
}

/** The error a client is shown for a request that could not reach the database. */
export function databaseUnavailableError(): GraphQLFormattedError {
  return {
    message: DATABASE_UNAVAILABLE_MESSAGE,
    extensions: { code: DATABASE_UNAVAILABLE, retryable: true, retryAfterSeconds: RETRY_AFTER_SECONDS },
  }
}

/**
 * Apollo's formatError: a connection-level failure becomes DATABASE_UNAVAILABLE, a transaction ended
 * for a concurrent one CONCURRENT_CHANGE; anything else passes.
 */
export function formatDatabaseErrors(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const { path, locations } = formatted
  const where = { ...(path ? { path } : {}), ...(locations ? { locations } : {}) }
  if (isWriteConflict(error) || isWriteConflict(formatted))
    return { message: CONCURRENT_CHANGE_MESSAGE, extensions: { code: CONCURRENT_CHANGE, retryable: true }, ...where }
  if (!isDatabaseUnavailable(error)) return formatted
  return { ...databaseUnavailableError(), ...where }
}

/**
 * An Apollo plugin that answers 503 with Retry-After when a request ran into a connection-level
 * failure: in a resolver, or before any (reading the session while the context is created).
 */
export function databaseUnavailablePlugin(): ApolloServerPlugin {
  return {
    // Apollo answers a failed context with the http extension of the error it is given
    async contextCreationDidFail({ error }) {
      if (!isDatabaseUnavailable(error)) return
      const carrier = error as Error & { extensions?: Record<string, unknown> }
      const http = { status: 503, headers: new Map([['retry-after', String(RETRY_AFTER_SECONDS)]]) }
      if (carrier.extensions && typeof carrier.extensions === 'object') Object.assign(carrier.extensions, { http })
      else carrier.extensions = { http }
    },
    async requestDidStart() {
      return {
        async didEncounterErrors({ errors, response }) {
          if (!errors.some(isDatabaseUnavailable)) return
          response.http.status = 503
          response.http.headers.set('retry-after', String(RETRY_AFTER_SECONDS))
        },
      }
    },
  }
}
