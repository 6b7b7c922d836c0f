// The HTTP edge, before Keystone's own routes: a request id on every request (the caller's
// X-Request-Id when it is sane, else a new one), answered in X-Request-Id and carried by every log
// line written while the request runs; one access log line per request (pino-http) with its path
// but never its query string, headers or body; security headers (helmet) with a Content Security
// Policy the Admin UI works under, no X-Powered-By, health and readiness probes that need no
// session, and the GraphQL body parsed here so that a malformed body is answered and logged
// as its type and status only. Express's own error handler would log the error object, and a
// JSON parse error carries the whole raw body with it, password included. A GraphQL request then
// runs under its time budget (services/kernel/requestBudget.ts).
import { randomUUID } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import express, { type ErrorRequestHandler, type Express, type RequestHandler } from 'express'
import helmet from 'helmet'
import { pinoHttp } from 'pino-http'
import type { KeystoneContext } from '@keystone-6/core/types'
import { env } from '../env'
import { logger, requestContext } from './logger'
import { RETRY_AFTER_SECONDS } from './databaseErrors'
import { runWithinBudget } from '../services/kernel'

export const GRAPHQL_PATH = '/api/graphql'
// body-parser's default, the ceiling Keystone's own parser applies to GraphQL bodies
const BODY_LIMIT = '100kb'
const READY_TIMEOUT_MS = 2000
export const REQUEST_ID_HEADER = 'X-Request-Id'
// a caller's id is kept when it could only be an id: no spaces, quotes or control characters to forge log lines with
const SANE_REQUEST_ID = /^[A-Za-z0-9._:@-]{1,128}$/
// assets and probes are asked for often and say nothing; their lines would drown the rest
const QUIET_PATHS = /^\/(_next\/|favicon\.ico$|healthz$|readyz$)/

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
      // Keystone's Admin UI loads its typeface (Inter) from Google Fonts
      'style-src': ["'self'", "'unsafe-inline'", 'https://fonts.googleapis.com'],
      'img-src': ["'self'", 'data:', 'blob:'],
      'font-src': ["'self'", 'data:', 'https://fonts.gstatic.com'],
      'connect-src': ["'self'"],
      'object-src': ["'none'"],
      'base-uri': ["'self'"],
      'form-action': ["'self'"],
      'frame-ancestors': ["'none'"],
    },
  }
}

// a body the parser refused: the status and the parser's error type, never the body
const rejectBody: ErrorRequestHandler = (error, req, res, next) => {
  const status = typeof error?.status === 'number' ? error.status : 400
  if (status >= 500) return next(error)
  logger.warn(
    { method: req.method, path: req.path, status, type: String(error?.type ?? 'unknown') },
    'request body refused',
  )
  res.status(status).json({
    errors: [
      {
        message: status === 413 ? 'The request body is too large.' : 'The request body is not valid JSON.',
        extensions: { code: status === 413 ? 'PAYLOAD_TOO_LARGE' : 'BAD_REQUEST' },
      },
    ],
  })
}

/** Add the edge to Keystone's express app (config.server.extendExpressApp). */
export function extendExpressApp(app: Express, context: KeystoneContext): void {
  app.disable('x-powered-by')
  app.use(withRequestId, accessLog)
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

  // parsed before Keystone's parser, which then finds the body read and leaves it
  app.use(GRAPHQL_PATH, express.json({ limit: BODY_LIMIT }), rejectBody)
  // the request's time budget runs from here: every database statement it causes checks it
  app.use(GRAPHQL_PATH, (_req, _res, next) => runWithinBudget(env.requestTimeBudgetMs, next))
}
