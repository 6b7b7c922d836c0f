// Reads and checks process.env once; no other module touches process.env (scripts excepted).
import 'dotenv/config'
import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
// the one leaf of the kernel that env.ts reads (through the index it would load env.ts again)
import { parseTrustProxy, type TrustProxy } from './services/kernel/trustProxy'

export type PasswordLoginMode = 'ENABLED' | 'CUSTOMERS_ONLY' | 'DISABLED'

const raw = process.env
const isProduction = raw.NODE_ENV === 'production'

// a bad setting stops the start with one line naming the variable; its stack would only be noise
function refuse (message: string): never {
  const error = new Error(message)
  error.stack = `Error: ${message}`
  throw error
}

function int (name: string, fallback: number): number {
  const value = raw[name]
  if (value === undefined || value === '') return fallback
  const parsed = Number(value)
  if (!Number.isInteger(parsed) || parsed <= 0) refuse(`${name} must be a positive integer, got "${value}"`)
  return parsed
}

function flag (name: string, fallback: boolean): boolean {
  const value = raw[name]?.toLowerCase()
  if (value === undefined || value === '') return fallback
  return value === '1' || value === 'true' || value === 'yes'
}

function oneOf<T extends string> (name: string, values: readonly T[], fallback: T): T {
  const value = raw[name]
  if (value === undefined || value === '') return fallback
  if (!(values as readonly string[]).includes(value)) refuse(`${name} must be one of ${values.join(', ')}`)
  return value as T
}

function trustProxy (): TrustProxy | undefined {
  try {
    return parseTrustProxy(raw.TRUST_PROXY)
  } catch (error) {
    return refuse((error as Error).message)
  }
}

// In development a secret is generated once and kept beside the project, so sessions
// survive restarts; production refuses to start without an explicit one.
function sessionSecret (): string {
  const value = raw.SESSION_SECRET
  if (value) {
    if (value.length < 32) refuse('SESSION_SECRET must be at least 32 characters')
    return value
  }
  if (isProduction) refuse('SESSION_SECRET is required in production')
  const file = path.join(process.cwd(), '.dev-secret')
  if (existsSync(file)) return readFileSync(file, 'utf8').trim()
  const generated = randomBytes(32).toString('base64url')
  writeFileSync(file, generated + '\n', { mode: 0o600 })
  return generated
}

const port = int('PORT', 3000)

export const env = {
  isProduction,
  databaseUrl: raw.DATABASE_URL || 'file:./keystone.db',
  sessionSecret: sessionSecret(),
  smtpUrl: raw.SMTP_URL || undefined,
  emailFrom: raw.EMAIL_FROM || 'no-reply@localhost',
  allowedClientHosts: (raw.ALLOWED_CLIENT_HOSTS || 'localhost,127.0.0.1')
    .split(',').map(h => h.trim().toLowerCase()).filter(Boolean),
  accessTokenTtl: int('ACCESS_TOKEN_TTL', 300),
  refreshTokenTtl: int('REFRESH_TOKEN_TTL', 2592000),
  passwordLoginMode: oneOf<PasswordLoginMode>('PASSWORD_LOGIN_MODE', ['ENABLED', 'CUSTOMERS_ONLY', 'DISABLED'], 'ENABLED'),
  accountConfirmationRequired: flag('ACCOUNT_CONFIRMATION_REQUIRED', true),
  adminEmail: raw.ADMIN_EMAIL || undefined,
  adminPassword: raw.ADMIN_PASSWORD || undefined,
  // off, a hop count, or the proxies' addresses: services/kernel/trustProxy.ts; an invalid value stops the start
  trustProxy: trustProxy(),
  // accountRegister, requestPasswordReset and requestEmailChange per client IP, per window (seconds)
  accountRequestLimit: int('ACCOUNT_REQUEST_LIMIT', 20),
  accountRequestWindow: int('ACCOUNT_REQUEST_WINDOW', 600),
  host: raw.HOST || 'localhost',
  port,
  publicUrl: (raw.PUBLIC_URL || `http://localhost:${port}`).replace(/\/+$/, ''),
  // tuning of the mail outbox: how often it looks for due mails, and the first retry delay
  outboxPollMs: int('OUTBOX_POLL_MS', 1000),
  outboxBackoffMs: int('OUTBOX_BACKOFF_MS', 2000),
} as const

export type Env = typeof env
