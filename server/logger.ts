// The one logger (pino): JSON lines in production, a short readable line per entry elsewhere, each
// carrying the id of the request it was written for (requestContext, an AsyncLocalStorage entered by
// server/http.ts). Owns redaction: a field named like a password, token, secret or hash, an
// authorization or cookie header, and whatever in a string looks like a secret (a hash, a JWT, a
// Bearer credential, a `token=` link, a sealed secret) is replaced before a line is written.
// routeConsoleToLogger() sends Keystone's, Apollo's, Next's and our own console output through it,
// so a production log is one format.
import { AsyncLocalStorage } from 'node:async_hooks'
import { inspect } from 'node:util'
import pino, { type DestinationStream, type Logger } from 'pino'
import { env } from '../env'

export type RequestStore = { requestId: string }

/** The request being handled, if any: its id goes on every line logged while it runs. */
export const requestContext = new AsyncLocalStorage<RequestStore>()

const REDACTED = '[Redacted]'
// a field with any of these names never reaches a line, at any depth
const SECRET_KEY = /(password|token|secret|hash)s?$|^(authorization|cookie|set-cookie|proxy-authorization|x-api-key)$/i
const MAX_DEPTH = 8

// what a secret looks like inside free text (a message, an error, a URL)
const SECRET_TEXT: [RegExp, string][] = [
  // argon2 and bcrypt hashes
  [/\$argon2(?:id|i|d)\$[^\s"'`]+/g, REDACTED],
  [/\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}/g, REDACTED],
  // JWTs (our access and refresh tokens)
  [/\beyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g, REDACTED],
  // credentials in an Authorization-like text
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, REDACTED],
  // one-time links (`?email=…&token=…`), encoded or not, and any other parameter named like a secret
  [/(\b[A-Za-z_]*(?:token|password|secret)[A-Za-z_]*(?:=|%3D))[^&\s"'`#<>]+/gi, `$1${REDACTED}`],
  // customer API tokens (services/identity/customerTokens.ts)
  [/\bctk_[A-Za-z0-9_-]{20,}/g, REDACTED],
  // sealed outbox secrets (services/messaging/sealing.ts)
  [/\bv1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]+/g, REDACTED],
]

/** Replace whatever in a text looks like a secret. */
export function scrubText(text: string): string {
  let scrubbed = text
  for (const [pattern, replacement] of SECRET_TEXT) scrubbed = scrubbed.replace(pattern, replacement)
  return scrubbed
}

/** A copy of a plain value with every secret-named field and secret-looking text redacted. */
export function redact(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return scrubText(value)
  if (value === null || typeof value !== 'object' || depth > MAX_DEPTH) return value
  if (Array.isArray(value)) return value.map(item => redact(item, depth + 1))
  if (value instanceof Error) return serializeError(value)
  const prototype = Object.getPrototypeOf(value)
  // requests, responses, buffers …: their own serializers decide what of them is written
  if (prototype !== Object.prototype && prototype !== null) return value
  const copy: Record<string, unknown> = {}
  for (const [key, item] of Object.entries(value)) copy[key] = SECRET_KEY.test(key) ? REDACTED : redact(item, depth + 1)
  return copy
}

/** An error as its type, code and scrubbed message and stack; Prisma's messages can quote arguments. */
export function serializeError(error: unknown): Record<string, unknown> {
  // already serialized (redact() runs before pino's serializers)
  if (typeof error === 'object' && error !== null && !(error instanceof Error)) return error as Record<string, unknown>
  if (!(error instanceof Error)) return { message: scrubText(String(error)) }
  const code = (error as { code?: unknown }).code
  return {
    type: error.name,
    ...(typeof code === 'string' || typeof code === 'number' ? { code } : {}),
    message: scrubText(error.message),
    ...(error.stack ? { stack: scrubText(error.stack) } : {}),
  }
}

// development: `12:00:00.123 INFO  message {fields}`; pino still formats and redacts the line
function readableStream(): DestinationStream {
  return {
    write(line: string) {
      let entry: Record<string, unknown>
      try {
        entry = JSON.parse(line)
      } catch {
        process.stdout.write(line)
        return
      }
      const { time, level, msg, pid: _pid, hostname: _hostname, ...rest } = entry
      const clock = typeof time === 'string' ? time.slice(11, 23) : ''
      const fields = Object.keys(rest).length > 0 ? ` ${JSON.stringify(rest)}` : ''
      const text = `${clock} ${String(level).toUpperCase().padEnd(5)} ${String(msg ?? '')}${fields}\n`
      ;(level === 'error' || level === 'fatal' ? process.stderr : process.stdout).write(text)
    },
  }
}

function createLogger(): Logger {
  return pino(
    {
      level: env.logLevel,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: {
        level: label => ({ level: label }),
        log: object => redact(object) as Record<string, unknown>,
      },
      // the request being handled, unless the line names one itself
      mixin: object => {
        const store = requestContext.getStore()
        return store && !('requestId' in object) ? { requestId: store.requestId } : {}
      },
      hooks: {
        // a message is free text: scrub it like any other string
        logMethod(args, method) {
          const scrubbed = args.map(arg => (typeof arg === 'string' ? scrubText(arg) : arg)) as Parameters<
            typeof method
          >
          return method.apply(this, scrubbed)
        },
      },
      serializers: { err: serializeError, error: serializeError },
      // belt and braces for headers objects logged whole; redact() above catches them at any depth
      redact: {
        paths: [
          'req.headers.authorization',
          'req.headers.cookie',
          'res.headers["set-cookie"]',
          'headers.authorization',
          'headers.cookie',
          'headers["set-cookie"]',
        ],
        censor: REDACTED,
      },
    },
    env.isProduction ? pino.destination({ dest: 1, sync: true }) : readableStream(),
  )
}

export const logger = createLogger()

const CONSOLE_LEVELS = {
  log: 'info',
  info: 'info',
  warn: 'warn',
  error: 'error',
  debug: 'debug',
  trace: 'trace',
} as const

// Keystone colours some of its lines
const ANSI_ESCAPES = /\u001b\[[0-9;]*m/g

let consoleRouted = false

/**
 * Send console.log/info/warn/error/debug/trace of this process through the logger, one JSON line
 * per call: Keystone, Apollo, Next, Prisma and our own modules write with console.
 */
export function routeConsoleToLogger(target: Logger = logger): void {
  if (consoleRouted) return
  consoleRouted = true
  const consoleLogger = target.child({ source: 'console' })
  for (const [method, level] of Object.entries(CONSOLE_LEVELS)) {
    ;(console as unknown as Record<string, (...args: unknown[]) => void>)[method] = (...args: unknown[]) => {
      const error = args.find((arg): arg is Error => arg instanceof Error)
      // objects are redacted before they are turned into text, where a field name is lost
      const text = args
        .filter(arg => arg !== error)
        .map(arg =>
          typeof arg === 'string' ? arg : inspect(redact(arg), { depth: 4, breakLength: Infinity, colors: false }),
        )
        .join(' ')
        .replace(ANSI_ESCAPES, '')
        .trim()
      // a line that is already JSON keeps its fields
      const json = parseJsonObject(text)
      if (json) {
        const { msg, message, level: _level, ...fields } = json
        consoleLogger[level]({ ...fields, ...(error ? { err: error } : {}) }, String(msg ?? message ?? ''))
        return
      }
      consoleLogger[level](error ? { err: error } : {}, text || error?.message || '')
    }
  }
}

function parseJsonObject(text: string): Record<string, unknown> | undefined {
  if (!text.startsWith('{') || !text.endsWith('}')) return undefined
  try {
    const value = JSON.parse(text)
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : undefined
  } catch {
    return undefined
  }
}
