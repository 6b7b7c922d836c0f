// The HTTP edge, before Keystone's own routes: security headers (helmet) with a Content Security
// Policy the Admin UI works under, no X-Powered-By, health and readiness probes that need no
// session, and the GraphQL body parsed here so that a malformed body is answered and logged
// as its type and status only. Express's own error handler would log the error object, and a
// JSON parse error carries the whole raw body with it, password included.
import express, { type ErrorRequestHandler, type Express } from 'express'
import helmet from 'helmet'
import type { KeystoneContext } from '@keystone-6/core/types'
import { env } from '../env'

export const GRAPHQL_PATH = '/api/graphql'
// body-parser's default, the ceiling Keystone's own parser applies to GraphQL bodies
const BODY_LIMIT = '100kb'
const READY_TIMEOUT_MS = 2000

function contentSecurityPolicy (): { useDefaults: false, directives: Record<string, string[]> } {
  if (!env.isProduction) {
    // development serves Next's hot reloader (eval) and the GraphQL playground from a CDN; only
    // framing is refused there
    return { useDefaults: false, directives: { 'default-src': ['*', 'data:', 'blob:', "'unsafe-inline'", "'unsafe-eval'"], 'frame-ancestors': ["'none'"] } }
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
  console.warn(JSON.stringify({ level: 'warn', msg: 'request body refused', method: req.method, path: req.path, status, type: String(error?.type ?? 'unknown') }))
  res.status(status).json({
    errors: [{
      message: status === 413 ? 'The request body is too large.' : 'The request body is not valid JSON.',
      extensions: { code: status === 413 ? 'PAYLOAD_TOO_LARGE' : 'BAD_REQUEST' },
    }],
  })
}

/** Add the edge to Keystone's express app (config.server.extendExpressApp). */
export function extendExpressApp (app: Express, context: KeystoneContext): void {
  app.disable('x-powered-by')
  app.use(helmet({
    contentSecurityPolicy: contentSecurityPolicy(),
    // the Admin UI and API are served over https in production; a plain http development server must not pin it
    strictTransportSecurity: env.isProduction,
    crossOriginEmbedderPolicy: false,
  }))

  // the process is up
  app.get('/healthz', (_req, res) => { res.set('cache-control', 'no-store').json({ status: 'ok' }) })
  // the database answers
  app.get('/readyz', async (_req, res) => {
    res.set('cache-control', 'no-store')
    try {
      await Promise.race([
        context.prisma.$queryRawUnsafe('SELECT 1'),
        new Promise((_resolve, reject) => setTimeout(() => reject(new Error('timeout')), READY_TIMEOUT_MS).unref()),
      ])
      res.json({ status: 'ok', database: 'up' })
    } catch {
      res.status(503).json({ status: 'unavailable', database: 'down' })
    }
  })

  // parsed before Keystone's parser, which then finds the body read and leaves it
  app.use(GRAPHQL_PATH, express.json({ limit: BODY_LIMIT }), rejectBody)
}
