// The HTTP edge, before Keystone's own routes: a request id on every request (the caller's
// X-Request-Id when it is sane, else a new one), answered in X-Request-Id and carried by every log
// line written while the request runs; one access log line per request (pino-http) with its path
// but never its query string, headers or body; security headers (helmet) with a Content Security
// Policy the Admin UI works under and that names no other origin (its typeface is served here,
// server/adminUi.ts), health and readiness probes that need no session, and the
// GraphQL body parsed here so that a malformed body is answered and logged as its type and status
// only. Express's own error handler would log the error object, and a JSON parse error carries
// the whole raw body with it, password included.
// Three rules hold for every response of every route (the API, the Admin UI's pages, Next's
// assets, 404s, the probes):
// - no header names the server software (X-Powered-By, Server), whoever set it: Express, Next.js;
// - a request body is JSON on the GraphQL path and nothing anywhere else takes one: anything else
//   (multipart included, which graphql-upload would otherwise read on every path) is refused 415,
//   and every refusal or error, of ours or of a later layer, is answered as JSON with a code and
//   logged by type and status, never its content and never as an HTML page;
// - CORS: only the origins of CORS_ORIGINS get CORS headers, on the GraphQL path only, with
//   credentials; every other origin gets none.
// A GraphQL request then runs under its time budget (services/kernel/requestBudget.ts).
import { randomUUID } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'
import express, { type ErrorRequestHandler, type Express, type RequestHandler } from 'express'
import helmet from 'helmet'
import { pinoHttp } from 'pino-http'
import type { KeystoneContext } from '@keystone-6/core/types'
import { env } from '../env'
import { logger, requestContext } from './logger'
import { RETRY_AFTER_SECONDS } from './databaseErrors'
import { stackFrames } from './graphqlLogging'
import { runWithinBudget } from '../services/kernel'
import { FONTS_PATH, serveFonts } from './adminUi'

export const GRAPHQL_PATH = '/api/graphql'
// body-parser's default, the ceiling Keystone's own parser applies to GraphQL bodies
const BODY_LIMIT = '100kb'
const READY_TIMEOUT_MS = 2000
export const REQUEST_ID_HEADER = 'X-Request-Id'
// a caller's id is kept when it could only be an id: no spaces, quotes or control characters to forge log lines with
const SANE_REQUEST_ID = /^[A-Za-z0-9._:@-]{1,128}$/
// assets and probes are asked for often and say nothing; their lines would drown the rest
const QUIET_PATHS = /^\/(_next\/|fonts\/|favicon\.ico$|healthz$|readyz$)/

/** The caller's X-Request-Id when it is sane, else a new UUID. */
export function requestIdFor(incoming: string | string[] | undefined): string {
  const value = Array.isArray(incoming) ? incoming[0] : incoming
  return value !== undefined && SANE_REQUEST_ID.test(value) ? value : randomUUID()
}

// the path only: a query string can carry a GraphQL document, its variables or a one-time token
function pathOf(url: string | undefined): string {
  return (url ?? '').split('?', 1)[0] ?? ''
}

function originalUrl(req: IncomingMessage): string | undefined {
  return (req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url
}

/** Whether a request is to the GraphQL API (and not to an Admin UI page, a font, a health check). */
export function isGraphqlRequest(req: IncomingMessage): boolean {
  const path = pathOf(originalUrl(req))
  return path === GRAPHQL_PATH || path.startsWith(`${GRAPHQL_PATH}/`)
}

// give the request its id, answer it in the header, and run the rest of the request inside its log context
const withRequestId: RequestHandler = (req, res, next) => {
  const id = requestIdFor(req.headers['x-request-id'])
  ;(req as IncomingMessage & { id?: string }).id = id
  res.setHeader(REQUEST_ID_HEADER, id)
  requestContext.run({ requestId: id }, next)
}

const accessLog = pinoHttp({
  logger,
  genReqId: req => (req as IncomingMessage & { id?: string }).id ?? randomUUID(),
  // one line when the answer is sent, at a level that follows its status
  customLogLevel: (_req, res, error) =>
    error || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
  // originalUrl: express strips the mount path from req.url inside a mounted router
  customSuccessMessage: (req, res) => `${req.method} ${pathOf(originalUrl(req))} ${res.statusCode}`,
  customErrorMessage: (req, res) => `${req.method} ${pathOf(originalUrl(req))} ${res.statusCode}`,
  customSuccessObject: (req, _res, value) => ({ ...value, requestId: req.id }),
  customErrorObject: (req, _res, _error, value) => ({ ...value, requestId: req.id }),
  autoLogging: { ignore: req => QUIET_PATHS.test(pathOf(req.url)) },
  // WARNING: what a line says of a request: never its headers (cookies, Authorization), query or body
  serializers: {
    req: (req: IncomingMessage & { id?: string; raw?: IncomingMessage }) => ({
      method: req.method,
      path: pathOf(req.url),
      remoteAddress: req.socket?.remoteAddress ?? req.raw?.socket?.remoteAddress,
    }),
    res: (res: ServerResponse) => ({ statusCode: res.statusCode }),
  },
})

function contentSecurityPolicy(): { useDefaults: false; directives: Record<string, string[]> } {
  if (!env.isProduction) {
    // development serves Next's hot reloader (eval) and the GraphQL playground from a CDN; only
    // framing is refused there
    return {
      useDefaults: false,
      directives: {
        'default-src': ['*', 'data:', 'blob:', "'unsafe-inline'", "'unsafe-eval'"],
        'frame-ancestors': ["'none'"],
      },
    }
  }
  return {
    useDefaults: false,
    directives: {
      'default-src': ["'self'"],
      // WARNING: Next.js hydrates the Admin UI with inline scripts and Keystone's pages carry inline
      // styles; without a per-request nonce (Keystone offers no hook for one) they need 'unsafe-inline'
      'script-src': ["'self'", "'unsafe-inline'"],
      // no third-party origin anywhere: the Admin UI's typeface (Inter) is served from /fonts (server/adminUi.ts)
      'style-src': ["'self'", "'unsafe-inline'"],
      'img-src': ["'self'", 'data:', 'blob:'],
      'font-src': ["'self'"],
      'connect-src': ["'self'"],
      'object-src': ["'none'"],
      'base-uri': ["'self'"],
      'form-action': ["'self'"],
      'frame-ancestors': ["'none'"],
    },
  }
}

// the headers that would name the software answering: dropped from every response as its head is written
const SOFTWARE_HEADERS = new Set(['x-powered-by', 'server'])

function withoutSoftwareHeaders(headers: unknown): unknown {
  if (Array.isArray(headers)) {
    // [name, value, name, value, …] or [[name, value], …]
    if (headers.every(Array.isArray))
      return headers.filter(entry => !SOFTWARE_HEADERS.has(String(entry[0]).toLowerCase()))
    const kept: unknown[] = []
    for (let i = 0; i < headers.length; i += 2)
      if (!SOFTWARE_HEADERS.has(String(headers[i]).toLowerCase())) kept.push(headers[i], headers[i + 1])
    return kept
  }
  if (headers && typeof headers === 'object')
    return Object.fromEntries(Object.entries(headers).filter(([name]) => !SOFTWARE_HEADERS.has(name.toLowerCase())))
  return headers
}

// Node writes every head through writeHead (an implicit one too), so this sees what Next.js and
// Keystone set as well as ours; Next's own `poweredByHeader` is out of reach (Keystone writes its config)
const hideServerSoftware: RequestHandler = (_req, res, next) => {
  const writeHead = res.writeHead
  res.writeHead = function (this: ServerResponse, ...args: unknown[]) {
    for (const name of SOFTWARE_HEADERS) this.removeHeader(name)
    const last = args.length - 1
    if (last >= 1 && typeof args[last] === 'object') args[last] = withoutSoftwareHeaders(args[last])
    return (writeHead as (...a: unknown[]) => ServerResponse).apply(this, args)
  } as typeof res.writeHead
  next()
}

const REFUSALS: Record<number, { code: string; message: string }> = {
  400: { code: 'BAD_REQUEST', message: 'The request body is not valid.' },
  404: { code: 'NOT_FOUND', message: 'Not found.' },
  405: { code: 'METHOD_NOT_ALLOWED', message: 'This method is not allowed here.' },
  413: { code: 'PAYLOAD_TOO_LARGE', message: 'The request body is too large.' },
  415: { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'The request body must be JSON (Content-Type: application/json).' },
  416: { code: 'RANGE_NOT_SATISFIABLE', message: 'The requested range is not satisfiable.' },
}
const INTERNAL = { code: 'INTERNAL_SERVER_ERROR', message: 'Internal server error.' }

function statusOf(error: unknown): number {
  const status = (error as { status?: unknown; statusCode?: unknown } | undefined)?.status ?? (error as any)?.statusCode
  return typeof status === 'number' && status >= 400 && status <= 599 ? status : 500
}

// an error's kind, never its message: a parser's message can quote the body
function typeOf(error: unknown): string {
  const value = error as { type?: unknown; code?: unknown; name?: unknown } | undefined
  return String(value?.type ?? value?.code ?? value?.name ?? 'unknown')
}

/** Answer a refused or failed request as JSON, logged by its type and status only. */
function answerRefusal(req: IncomingMessage, res: ServerResponse, status: number, type: string, error?: unknown): void {
  const path = pathOf(originalUrl(req))
  if (status >= 500)
    logger.error(
      { method: req.method, path, status, type, frames: error instanceof Error ? stackFrames(error) : [] },
      'request failed',
    )
  else if (status !== 404) logger.warn({ method: req.method, path, status, type }, 'request body refused')
  if (res.headersSent) {
    res.destroy()
    return
  }
  const { code, message } = status >= 500 ? INTERNAL : (REFUSALS[status] ?? REFUSALS[400]!)
  // the request's body may be unread: the connection is not reused for it
  if (status !== 404) res.setHeader('Connection', 'close')
  res.statusCode = status
  res.setHeader('Content-Type', 'application/json; charset=utf-8')
  res.setHeader('Cache-Control', 'no-store')
  res.end(JSON.stringify({ errors: [{ message, extensions: { code } }] }))
}

// a body the parser refused: the status and the parser's error type, never the body
const rejectBody: ErrorRequestHandler = (error, req, res, _next) => {
  answerRefusal(req, res, statusOf(error), typeOf(error), error)
}

function mediaType(req: IncomingMessage): string {
  return (req.headers['content-type'] ?? '').split(';', 1)[0]!.trim().toLowerCase()
}

function hasBody(req: IncomingMessage): boolean {
  return req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0
}

// nothing here takes a file: a multipart body is refused on every path before graphql-upload,
// which Keystone mounts on every path, would read it; the GraphQL path takes JSON bodies only
const refuseUnsupportedBody: RequestHandler = (req, res, next) => {
  const type = mediaType(req)
  if (type.startsWith('multipart/')) return answerRefusal(req, res, 415, 'multipart')
  if (isGraphqlRequest(req) && (req.method === 'POST' || hasBody(req)) && type !== 'application/json')
    return answerRefusal(req, res, 415, type ? 'content-type' : 'content-type.missing')
  next()
}

/** Every error a later layer passes on, and a request nothing answered, end here as JSON, never Express's HTML page. */
function finalAnswer(req: IncomingMessage, res: ServerResponse) {
  return (error?: unknown) => {
    if (error === undefined || error === null || error === 'route' || error === 'router')
      return answerRefusal(req, res, 404, 'not-found')
    answerRefusal(req, res, statusOf(error), typeOf(error), error)
  }
}

// CORS for the API: an allowed origin gets its own origin back, with credentials; the rest get nothing
const CORS_METHODS = 'GET, POST'
const CORS_HEADERS = 'Content-Type, Authorization, X-Request-Id, Apollo-Require-Preflight, X-Apollo-Operation-Name'
const CORS_EXPOSED = 'X-Request-Id, Retry-After'
const CORS_MAX_AGE = '600'

const cors: RequestHandler = (req, res, next) => {
  const allowed = new Set(env.corsOrigins)
  if (allowed.size > 0) res.vary('Origin')
  const origin = req.headers.origin
  const preflight = req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined
  if (origin && allowed.has(origin)) {
    res.setHeader('Access-Control-Allow-Origin', origin)
    res.setHeader('Access-Control-Allow-Credentials', 'true')
    if (preflight) {
      res.setHeader('Access-Control-Allow-Methods', CORS_METHODS)
      res.setHeader('Access-Control-Allow-Headers', CORS_HEADERS)
      res.setHeader('Access-Control-Max-Age', CORS_MAX_AGE)
    } else res.setHeader('Access-Control-Expose-Headers', CORS_EXPOSED)
  }
  // a preflight is answered here, allowed or not: without the headers above the browser stops
  if (preflight) return void res.status(204).end()
  next()
}

// what Node's HTTP parser refuses before any route sees the request (its own default answers
// these with an empty body): by the parser's error code, the status Node would have given
const CLIENT_ERRORS: Record<string, { status: number; reason: string; code: string; message: string }> = {
  HPE_HEADER_OVERFLOW: {
    status: 431,
    reason: 'Request Header Fields Too Large',
    code: 'REQUEST_HEADER_FIELDS_TOO_LARGE',
    message: 'The request headers are too large.',
  },
  ERR_HTTP_REQUEST_TIMEOUT: {
    status: 408,
    reason: 'Request Timeout',
    code: 'REQUEST_TIMEOUT',
    message: 'The request took too long to arrive.',
  },
}
const MALFORMED = { status: 400, reason: 'Bad Request', ...REFUSALS[400]! }

/**
 * Answer a request Node's parser refused (server 'clientError') as every other refusal is: JSON
 * with a code, the connection closed, logged by the parser's code only (never a header's content).
 */
export function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
  // a connection gone, or one whose response is already on its way (a keep-alive connection's
  // next request refused while the last answer streams): nothing can be written, as Node's own handler
  const answering = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage
  if (error.code === 'ECONNRESET' || !socket.writable || answering?.headersSent) {
    socket.destroy()
    return
  }
  const refusal = CLIENT_ERRORS[error.code ?? ''] ?? MALFORMED
  logger.warn({ status: refusal.status, type: error.code ?? 'unknown' }, 'request refused by the HTTP parser')
  const body = JSON.stringify({ errors: [{ message: refusal.message, extensions: { code: refusal.code } }] })
  socket.end(
    `HTTP/1.1 ${refusal.status} ${refusal.reason}\r\n` +
      'Content-Type: application/json; charset=utf-8\r\n' +
      'Cache-Control: no-store\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'Connection: close\r\n\r\n' +
      body,
  )
}

/**
 * Whether a request comes from this server's own pages: no Origin (a same-origin GET, a client that
 * is not a browser), or the Origin of its Host or of PUBLIC_URL. The Admin UI's cookie counts only
 * then (auth.ts): an origin CORS_ORIGINS lets in may call the API with credentials, never as staff.
 */
export function isOwnOrigin(req: IncomingMessage | undefined): boolean {
  const origin = req?.headers.origin
  if (origin === undefined) return true
  let parsed: URL
  try {
    parsed = new URL(origin)
  } catch {
    return false
  }
  if (parsed.origin === new URL(env.publicUrl).origin) return true
  return req?.headers.host !== undefined && parsed.host === req.headers.host.toLowerCase()
}

/** Add the edge to Keystone's express app (config.server.extendExpressApp). */
export function extendExpressApp(app: Express, context: KeystoneContext): void {
  app.disable('x-powered-by')
  // the final handler of every request (Express's own answers HTML and logs the whole error)
  type Handle = (req: IncomingMessage, res: ServerResponse, callback?: unknown) => void
  const withHandle = app as unknown as { handle: Handle }
  const handle = withHandle.handle.bind(app)
  withHandle.handle = (req, res, callback) => handle(req, res, callback ?? finalAnswer(req, res))
  app.use(hideServerSoftware, withRequestId, accessLog)
  app.use(
    helmet({
      contentSecurityPolicy: contentSecurityPolicy(),
      // the Admin UI and API are served over https in production; a plain http development server must not pin it
      strictTransportSecurity: env.isProduction,
      crossOriginEmbedderPolicy: false,
    }),
  )
  // Next's development server sends its client middleware manifest script as JSON, which nosniff
  // makes the browser refuse (an error on every page of `npm run dev`); production builds are fine
  if (env.isDevelopment)
    app.use('/_next/static/development', (_req, res, next) => {
      res.removeHeader('X-Content-Type-Options')
      next()
    })

  // the Admin UI's typeface, for its signed-in and public pages alike; below its prefix nothing
  // else is served (not the Admin UI's pages, which would answer an unknown file with a redirect)
  serveFonts(app)
  app.use(FONTS_PATH, (req, res) => {
    const readable = req.method === 'GET' || req.method === 'HEAD'
    if (!readable) res.setHeader('Allow', 'GET, HEAD')
    answerRefusal(req, res, readable ? 404 : 405, 'fonts')
  })

  // the process is up
  app.get('/healthz', (_req, res) => {
    res.set('cache-control', 'no-store').json({ status: 'ok' })
  })
  // the database answers; while it does not, load balancers take this process out and clients retry
  app.get('/readyz', async (_req, res) => {
    res.set('cache-control', 'no-store')
    try {
      await Promise.race([
        context.prisma.$queryRawUnsafe('SELECT 1'),
        new Promise((_resolve, reject) => setTimeout(() => reject(new Error('timeout')), READY_TIMEOUT_MS).unref()),
      ])
      res.json({ status: 'ok', database: 'up' })
    } catch {
      res
        .status(503)
        .set('retry-after', String(RETRY_AFTER_SECONDS))
        .json({ status: 'unavailable', database: 'down', message: 'The database is unreachable.' })
    }
  })

  app.use(GRAPHQL_PATH, cors)
  app.use(refuseUnsupportedBody)
  // parsed before Keystone's parser, which then finds the body read and leaves it
  app.use(GRAPHQL_PATH, express.json({ limit: BODY_LIMIT }), rejectBody)
  // the request's time budget runs from here: every database statement it causes checks it
  app.use(GRAPHQL_PATH, (_req, _res, next) => runWithinBudget(env.requestTimeBudgetMs, next))
}
