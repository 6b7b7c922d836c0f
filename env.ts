// Reads and checks process.env once; no other module touches process.env (scripts excepted).
import 'dotenv/config'
import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
// the one leaf of the kernel that env.ts reads (through the index it would load env.ts again)
import { parseTrustProxy, type TrustProxy } from './services/kernel/trustProxy'

export type PasswordLoginMode = 'ENABLED' | 'CUSTOMERS_ONLY' | 'DISABLED'

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const
export type LogLevel = (typeof LOG_LEVELS)[number]

const raw = process.env
// unset is development: `npm start` sets production itself (scripts/start.ts), `npm run dev` development
const nodeEnv = raw.NODE_ENV || 'development'
const isProduction = nodeEnv === 'production'

/** Every bad or missing setting, in one message: `npm start` prints it as its one line and exits 1. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('; '))
    this.name = 'ConfigError'
    // the stack would only be noise around the message
    this.stack = `ConfigError: ${this.message}`
  }
}

const problems: string[] = []

// a bad setting is noted and the check goes on, so one start names every problem at once
function refuse<T>(message: string, fallback: T): T {
  problems.push(message)
  return fallback
}

function int(name: string, fallback: number): number {
  const value = raw[name]
  if (value === undefined || value === '') return fallback
  const parsed = Number(value)
  if (!Number.isInteger(parsed) || parsed <= 0)
    return refuse(`${name} must be a positive integer, got "${value}"`, fallback)
  return parsed
}

function nonNegativeInt(name: string, fallback: number): number {
  const value = raw[name]
  if (value === undefined || value === '') return fallback
  const parsed = Number(value)
  if (!Number.isInteger(parsed) || parsed < 0)
    return refuse(`${name} must be zero or a positive integer, got "${value}"`, fallback)
  return parsed
}

function flag(name: string, fallback: boolean): boolean {
  const value = raw[name]?.toLowerCase()
  if (value === undefined || value === '') return fallback
  return value === '1' || value === 'true' || value === 'yes'
}

function oneOf<T extends string>(name: string, values: readonly T[], fallback: T): T {
  const value = raw[name]
  if (value === undefined || value === '') return fallback
  if (!(values as readonly string[]).includes(value))
    return refuse(`${name} must be one of ${values.join(', ')}`, fallback)
  return value as T
}

function trustProxy(): TrustProxy | undefined {
  try {
    return parseTrustProxy(raw.TRUST_PROXY)
  } catch (error) {
    return refuse((error as Error).message, undefined)
  }
}

// In development a secret is generated once and kept beside the project, so sessions
// survive restarts; production refuses to start without an explicit one.
function sessionSecret(): string {
  const value = raw.SESSION_SECRET
  if (value) {
    if (value.length < 32) return refuse('SESSION_SECRET must be at least 32 characters', value)
    return value
  }
  if (isProduction) return refuse('SESSION_SECRET is required in production (at least 32 characters)', '')
  const file = path.join(process.cwd(), '.dev-secret')
  if (existsSync(file)) return readFileSync(file, 'utf8').trim()
  const generated = randomBytes(32).toString('base64url')
  writeFileSync(file, generated + '\n', { mode: 0o600 })
  return generated
}

// an absolute http(s) URL, or unset for the fallback
function url(name: string, protocols: string[], fallback: string | undefined): string | undefined {
  const value = raw[name]
  if (value === undefined || value === '') return fallback
  let parsed: URL
  try {
    parsed = new URL(value)
  } catch {
    return refuse(`${name} must be a URL (${protocols.map(p => `${p}//…`).join(' or ')})`, fallback)
  }
  if (!protocols.includes(parsed.protocol))
    return refuse(`${name} must start with ${protocols.map(p => `${p}//`).join(' or ')}`, fallback)
  return value
}

// 0 asks the system for any free port
function portNumber(name: string, fallback: number): number {
  const value = raw[name]
  if (value === undefined || value === '') return fallback
  const parsed = Number(value)
  if (!Number.isInteger(parsed) || parsed < 0 || parsed > 65535)
    return refuse(`${name} must be a port number (0 to 65535), got "${value}"`, fallback)
  return parsed
}

const port = portNumber('PORT', 3000)
// read once, where env lists it (so its problem, if any, comes in the same order as before)
let publicUrlRead: string | undefined
function publicUrlOf(): string {
  publicUrlRead ??= (url('PUBLIC_URL', ['http:', 'https:'], undefined) ?? `http://localhost:${port}`).replace(
    /\/+$/,
    '',
  )
  return publicUrlRead
}

// the WebAuthn relying party (API.md §9): its id, a host name (an IP literal only on a test server;
// browsers need a domain), and the origins whose passkey responses are accepted
function webauthnRpId(): string {
  const value = (raw.WEBAUTHN_RP_ID ?? '').trim().toLowerCase()
  if (value === '') return new URL(publicUrlOf()).hostname.replace(/^\[|\]$/g, '')
  if (!/^[a-z0-9.-]+$/.test(value) || value.startsWith('.') || value.endsWith('.'))
    return refuse(`WEBAUTHN_RP_ID must be a host name (no scheme, port or path), got "${value}"`, 'localhost')
  return value
}

const allowedClientHosts = (raw.ALLOWED_CLIENT_HOSTS || 'localhost,127.0.0.1')
  .split(',')
  .map(h => h.trim().toLowerCase())
  .filter(Boolean)

// the storefront whose pages customers' links from the Admin UI lead to; a host mails may link to
function storefrontUrl(): string | undefined {
  const value = url('STOREFRONT_URL', ['http:', 'https:'], undefined)
  if (value === undefined) return undefined
  const { hostname, username, password, search, hash } = new URL(value)
  if (username || password || search || hash)
    return refuse('STOREFRONT_URL must be an origin and path only, without a user, query or fragment', undefined)
  if (!allowedClientHosts.includes(hostname.toLowerCase()))
    return refuse(`STOREFRONT_URL's host ${hostname} must be one of ALLOWED_CLIENT_HOSTS`, undefined)
  return value.replace(/\/+$/, '')
}

// browser origins allowed to call the API with credentials (CORS): each exactly an origin, as a
// browser sends it in Origin (scheme://host[:port], no path); a wildcard has no place beside credentials
const ORIGIN_FORM = /^https?:\/\/[^/?#@\s]+\/?$/i

// a comma list of browser origins (scheme://host[:port]), each as a browser sends it in Origin
function originList(name: string, fallback: string[]): string[] {
  const value = raw[name]
  if (value === undefined || value.trim() === '') return fallback
  const origins: string[] = []
  for (const entry of value.split(',').map(item => item.trim())) {
    let parsed: URL | undefined
    try {
      parsed = new URL(entry)
    } catch {
      parsed = undefined
    }
    const origin =
      parsed &&
      ORIGIN_FORM.test(entry) &&
      !entry.includes('*') &&
      (parsed.protocol === 'http:' || parsed.protocol === 'https:') &&
      !parsed.username &&
      !parsed.password
    if (!parsed || !origin)
      return refuse(
        `${name} must be a comma list of origins (http(s)://host[:port], no path, query or wildcard), got "${entry}"`,
        fallback,
      )
    origins.push(parsed.origin)
  }
  return origins
}

// the shop's name on the pages a mailed link opens (admin/pages): free text, one line
function shopName(): string {
  const value = raw.SHOP_NAME?.trim()
  if (!value) return 'Commerce identity'
  if (value.length > 100 || /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u.test(value))
    return refuse('SHOP_NAME must be one line of at most 100 characters', 'Commerce identity')
  return value
}

// the OpenID Connect providers customers and staff may sign in with (API.md §10): a JSON list
export type OidcStaffSection = { domains: string[]; groupClaim?: string; groups: Record<string, string> }
export type OidcProviderConfig = {
  id: string
  issuer: string
  clientId: string
  clientSecret: string
  scopes: string[]
  staff?: OidcStaffSection
  acr?: string
}

// a host on this machine: the one place an http:// issuer is allowed (tests, a local provider)
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase()
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host)
}

function oidcProviders(): OidcProviderConfig[] {
  const value = raw.OIDC_PROVIDERS
  if (value === undefined || value.trim() === '') return []
  const bad = (why: string) => refuse(`OIDC_PROVIDERS must be a JSON list of providers: ${why}`, [])
  let parsed: unknown
  try {
    parsed = JSON.parse(value)
  } catch {
    return bad('it is not valid JSON')
  }
  if (!Array.isArray(parsed)) return bad('it is not a list')
  const strings = (v: unknown) => Array.isArray(v) && v.every(item => typeof item === 'string' && item !== '')
  const text = (v: unknown) => typeof v === 'string' && v.trim() !== ''
  const providers: OidcProviderConfig[] = []
  for (const [index, entry] of parsed.entries()) {
    const at = `entry ${index + 1}`
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return bad(`${at} is not an object`)
    const item = entry as Record<string, unknown>
    for (const key of ['id', 'issuer', 'clientId', 'clientSecret'])
      if (!text(item[key])) return bad(`${at} needs "${key}" (a string)`)
    const id = String(item.id).trim()
    if (!/^[A-Za-z0-9._-]{1,100}$/.test(id)) return bad(`${at}'s id may hold letters, digits, ".", "_" and "-" only`)
    if (providers.some(p => p.id === id)) return bad(`the id "${id}" is given twice`)
    let issuer: URL
    try {
      issuer = new URL(String(item.issuer))
    } catch {
      return bad(`${at}'s issuer is not a URL`)
    }
    if (!(issuer.protocol === 'https:' || (issuer.protocol === 'http:' && isLoopbackHost(issuer.hostname))))
      return bad(`${at}'s issuer must start with https:// (http:// only on a loopback host)`)
    if (item.scopes !== undefined && !strings(item.scopes)) return bad(`${at}'s scopes must be a list of strings`)
    if (item.acr !== undefined && !text(item.acr)) return bad(`${at}'s acr must be a string`)
    let staff: OidcStaffSection | undefined
    if (item.staff !== undefined) {
      const section = item.staff as Record<string, unknown>
      if (typeof section !== 'object' || section === null || Array.isArray(section))
        return bad(`${at}'s staff must be an object`)
      if (section.domains !== undefined && !strings(section.domains))
        return bad(`${at}'s staff.domains must be a list of strings`)
      if (section.groupClaim !== undefined && !text(section.groupClaim))
        return bad(`${at}'s staff.groupClaim must be a string`)
      const groups = section.groups ?? {}
      if (typeof groups !== 'object' || groups === null || Array.isArray(groups) || !Object.values(groups).every(text))
        return bad(`${at}'s staff.groups must map claim values to permission group names`)
      staff = {
        domains: ((section.domains as string[] | undefined) ?? []).map(d => d.trim().toLowerCase().replace(/^@/, '')),
        ...(section.groupClaim ? { groupClaim: String(section.groupClaim) } : {}),
        groups: groups as Record<string, string>,
      }
    }
    const scopes = (item.scopes as string[] | undefined) ?? ['openid', 'email', 'profile']
    providers.push({
      id,
      issuer: String(item.issuer),
      clientId: String(item.clientId),
      clientSecret: String(item.clientSecret),
      scopes: scopes.includes('openid') ? scopes : ['openid', ...scopes],
      ...(staff ? { staff } : {}),
      ...(item.acr ? { acr: String(item.acr) } : {}),
    })
  }
  return providers
}

export const env = {
  nodeEnv,
  isProduction,
  // `npm run dev` (NODE_ENV development or unset): mails without SMTP_URL are printed with their links
  isDevelopment: nodeEnv === 'development',
  databaseUrl: raw.DATABASE_URL || 'file:./keystone.db',
  sessionSecret: sessionSecret(),
  smtpUrl: url('SMTP_URL', ['smtp:', 'smtps:'], undefined),
  emailFrom: raw.EMAIL_FROM || 'no-reply@localhost',
  // the shop's name on the public pages (the `shop { name }` query); the app's own name when unset
  shopName: shopName(),
  allowedClientHosts,
  // customers' password reset and confirmation links sent from the Admin UI lead to
  // STOREFRONT_URL/reset-password and /confirm-account; unset, to the Admin UI's own pages
  storefrontUrl: storefrontUrl(),
  accessTokenTtl: int('ACCESS_TOKEN_TTL', 300),
  refreshTokenTtl: int('REFRESH_TOKEN_TTL', 2592000),
  // the longest a session lives however often its refresh token rotates (seconds; API.md §9)
  sessionMaxAge: int('SESSION_MAX_AGE', 7776000),
  // how long a retired refresh token is still answered as its successor (a retry whose answer was lost); 0: never
  refreshReuseGraceSeconds: nonNegativeInt('REFRESH_REUSE_GRACE_SECONDS', 10),
  passwordLoginMode: oneOf<PasswordLoginMode>(
    'PASSWORD_LOGIN_MODE',
    ['ENABLED', 'CUSTOMERS_ONLY', 'DISABLED'],
    'ENABLED',
  ),
  accountConfirmationRequired: flag('ACCOUNT_CONFIRMATION_REQUIRED', true),
  adminEmail: raw.ADMIN_EMAIL || undefined,
  adminPassword: raw.ADMIN_PASSWORD || undefined,
  // off, a hop count, or the proxies' addresses: services/kernel/trustProxy.ts; an invalid value stops the start
  trustProxy: trustProxy(),
  // accountRegister, requestPasswordReset and requestEmailChange per client IP, per window (seconds)
  accountRequestLimit: int('ACCOUNT_REQUEST_LIMIT', 20),
  accountRequestWindow: int('ACCOUNT_REQUEST_WINDOW', 600),
  // the origins that get CORS headers, with credentials, on the GraphQL path (server/http.ts); none by default
  corsOrigins: originList('CORS_ORIGINS', []),
  host: raw.HOST || 'localhost',
  port,
  publicUrl: publicUrlOf(),
  // unset, the default above names this machine: fine for `npm run dev`, worth a warning in production
  publicUrlGiven: Boolean(raw.PUBLIC_URL),
  // tuning of the mail outbox: how often it looks for due mails, and the first retry delay
  outboxPollMs: int('OUTBOX_POLL_MS', 1000),
  outboxBackoffMs: int('OUTBOX_BACKOFF_MS', 2000),
  // pino's level names; `silent` logs nothing
  logLevel: oneOf<LogLevel>('LOG_LEVEL', LOG_LEVELS, 'info'),
  // how long one GraphQL request may run: past it no statement starts and nothing commits (services/kernel/requestBudget.ts)
  requestTimeBudgetMs: int('REQUEST_TIME_BUDGET_MS', 10_000),
  // how long SIGTERM waits for requests in flight before closing their connections (seconds)
  shutdownGraceMs: int('SHUTDOWN_GRACE_SECONDS', 10) * 1000,
  // with true, a staff user's permissions apply only in a session signed in with a second factor (API.md §9)
  staffMfaRequired: flag('STAFF_MFA_REQUIRED', false),
  // passkeys: the relying party id, and the origins their responses may come from (API.md §9)
  webauthnRpId: webauthnRpId(),
  webauthnOrigins: originList('WEBAUTHN_ORIGINS', [new URL(publicUrlOf()).origin]),
  // OpenID Connect providers (API.md §10); the first is also Saleor's mirumee.authentication.openidconnect
  oidcProviders: oidcProviders(),
} as const

if (problems.length > 0) throw new ConfigError(problems)

export type Env = typeof env
