// Webhooks: an account event becomes one delivery per active webhook subscribed to it, written in
// the caller's transaction (emitWebhookEvent), so it exists exactly when the change commits, and
// POSTed after commit by a worker (startWebhookWorker), retried with backoff until a 2xx answer or
// the last attempt. Owns: what a payload may carry (never a hash, a token, a secret or private
// metadata), the body being serialised once and signed as stored (X-Signature-SHA256, hex
// HMAC-SHA256 with the webhook's secret), at most one sender per delivery across processes (the
// shared claim and lease), and the target URL check again at send time, redirects never followed,
// the connection made only to an address checked as public (in production), and failures
// recorded by kind, never with the address or port they happened at.
import { createHmac, randomUUID } from 'node:crypto'
import http from 'node:http'
import https from 'node:https'
import { isIP } from 'node:net'
import { env } from '../../env'
import type { Context } from '../../generated/keystone/types'
import { LEASE_MS, backoff, claimable, describeError, isolated, startPolling, type QueueWorker } from './deliveryQueue'
import { DomainError, afterCommit, isPostgres } from '../kernel'
import { openSecrets } from '../kernel'
import {
  WEBHOOK_EVENTS,
  assertWebhookEventsWithin,
  assertWebhookSubject,
  type WebhookEvent,
  type WebhookPermission,
} from './webhookEvents'
import { TARGET_REFUSED, TargetRefusedError, isPublicAddress, safeLookup } from './outboundAddress'
import { assertSafeWebhookUrl } from './webhookUrl'

export const DELIVERY_STATUSES = ['pending', 'sending', 'delivered', 'failed'] as const

export type WebhookWorker = QueueWorker

export type WebhookDeliveryOptions = {
  /** a fixed clock, for tests; defaults to the time of each step */
  now?: Date
  batchSize?: number
  /** the first retry delay; each further one doubles, up to 15 minutes */
  backoffMs?: number
  /** how long one POST may take, answer headers included */
  timeoutMs?: number
  /** attempts before a delivery is given up as 'failed' */
  maxAttempts?: number
}

export type WebhookWorkerOptions = Omit<WebhookDeliveryOptions, 'now'> & { intervalMs?: number }

/** One line of a delivery's `log`, one per attempt. */
export type WebhookAttempt = { at: string; statusCode?: number; error?: string; ms: number }

export const MAX_WEBHOOK_ATTEMPTS = 12
const DEFAULT_TIMEOUT_MS = 10_000
const DEFAULT_BACKOFF_MS = 2_000
const DEFAULT_BATCH_SIZE = 20
const DEFAULT_INTERVAL_MS = 1_000
// the lease outlasts the longest POST by this much, so it runs out only when its sender died
const LEASE_MARGIN_MS = 30_000
const USER_AGENT = 'commerce-identity-webhooks/1'

// keys that never leave in a payload, compared lower-case without '_' and '-'
const SECRET_KEYS = new Set([
  'password',
  'passwordhash',
  'jwttokenkey',
  'customertokenhash',
  'token',
  'tokenhash',
  'secret',
  'privatemetadata',
  'sealedsecrets',
  'refreshtoken',
  'csrftoken',
])
// and, as a wider net, any key that ends like one (newPassword, accessToken, clientSecret …)
const SECRET_KEY_ENDINGS = ['password', 'passwordhash', 'token', 'tokenhash', 'secret']
// argon2 ($argon2id$…) and bcrypt ($2a$, $2b$, $2y$, $2x$) hashes, wherever they turn up
const PASSWORD_HASH = /^\s*\$(?:argon2(?:id|i|d)?\$|2[abxy]\$)/

// the public fields of a user; note, privateMetadata, the password and every token stay home
const USER_FIELDS = [
  'id',
  'email',
  'firstName',
  'lastName',
  'name',
  'isStaff',
  'isActive',
  'isConfirmed',
  'languageCode',
  'dateJoined',
  'updatedAt',
  'metadata',
] as const

let running: WebhookWorker | undefined

/**
 * Write one delivery per active webhook subscribed to `event`, in the caller's transaction when
 * `context` is a transaction's. The body is serialised here, once: it is what is signed and sent.
 */
export async function emitWebhookEvent(
  context: Context,
  { event, payload }: { event: WebhookEvent; payload: Record<string, unknown> },
): Promise<void> {
  if (!(WEBHOOK_EVENTS as readonly string[]).includes(event)) throw new Error(`unknown webhook event ${String(event)}`)
  assertWebhookSubject(event, payload)
  // events is a JSON array, which SQLite cannot filter on: the few webhooks are filtered here
  const webhooks = await context.prisma.webhook.findMany({
    where: { isActive: true },
    select: { id: true, events: true },
    orderBy: { id: 'asc' },
  })
  const subscribed = webhooks.filter(webhook => Array.isArray(webhook.events) && webhook.events.includes(event))
  if (subscribed.length === 0) return

  const body = JSON.stringify({
    event,
    id: randomUUID(),
    createdAt: new Date().toISOString(),
    data: sanitizeForWebhook(payload) ?? {},
  })
  // context.sudo() keeps a transaction's client, so the rows commit or roll back with the change
  await context.sudo().db.WebhookDelivery.createMany({
    data: subscribed.map(webhook => ({ webhook: { connect: { id: webhook.id } }, event, payload: body })),
  })
  // the worker looks once the rows can be seen (services/kernel/transactions.ts)
  afterCommit(kickWebhooks)
}

/**
 * Refuse a change of a webhook unless the caller reaches every event it had and every event it
 * will have (webhookEventsWithin): a webhook is the channel of its events' people, so renaming
 * it, pointing it elsewhere, changing its secret, switching it on or off, or deleting it is
 * managing that channel. `events` undefined: unchanged. Called by the Webhook list's validate
 * hook, inside the mutation's transaction: on PostgreSQL the row stays locked until it ends, so a
 * concurrent change of its events is judged on what the other committed.
 */
export async function assertWebhookChangeAllowed(
  context: Context,
  holds: (permission: WebhookPermission) => boolean,
  change: { operation: 'create' | 'update' | 'delete'; id?: string; events?: unknown },
): Promise<void> {
  let before: unknown[] = []
  if (change.operation !== 'create' && change.id) {
    if (isPostgres(context))
      await context.prisma.$queryRaw`SELECT "id" FROM "Webhook" WHERE "id" = ${change.id} FOR UPDATE`
    const row = await context.prisma.webhook.findUnique({ where: { id: change.id }, select: { events: true } })
    before = Array.isArray(row?.events) ? row.events : []
  }
  const after = change.operation === 'delete' ? [] : Array.isArray(change.events) ? change.events : before
  assertWebhookEventsWithin([...before, ...after], holds)
}

/**
 * Copy a value for a webhook payload without any secret: drops, at any depth, every key named
 * like a password, hash, token, secret or private metadata, and every string that looks like an
 * argon2 or bcrypt hash. Dates become ISO strings. The second line of defence behind picking
 * fields (userWebhookPayload): whatever a caller hands over, none of these leave.
 */
export function sanitizeForWebhook(value: unknown): unknown {
  return sanitize(value, new WeakSet())
}

/** The public fields of a user row, for a payload: never note, privateMetadata, a hash or a token. */
export function userWebhookPayload(
  user: { id: string } & Partial<Record<(typeof USER_FIELDS)[number], unknown>>,
): Record<string, unknown> {
  const picked: Record<string, unknown> = {}
  for (const field of USER_FIELDS) {
    if (user[field] !== undefined) picked[field] = user[field]
  }
  return sanitizeForWebhook(picked) as Record<string, unknown>
}

/** The X-Signature-SHA256 of a body: hex HMAC-SHA256 of its exact UTF-8 bytes with the webhook's secret. */
export function signWebhookBody(body: string, secret: string): string {
  return createHmac('sha256', secret).update(body, 'utf8').digest('hex')
}

/** Ask the running worker, if any, to look for deliveries now (emitWebhookEvent asks after the commit). */
export function kickWebhooks(): void {
  running?.kick()
}

/** Claim, POST and record the deliveries that are due; each failure is rescheduled with backoff. */
export async function deliverDueWebhooks(
  context: Context,
  {
    now,
    batchSize = DEFAULT_BATCH_SIZE,
    backoffMs = DEFAULT_BACKOFF_MS,
    timeoutMs = DEFAULT_TIMEOUT_MS,
    maxAttempts = MAX_WEBHOOK_ATTEMPTS,
  }: WebhookDeliveryOptions = {},
): Promise<{ delivered: number; retried: number; failed: number }> {
  const clock = () => now ?? new Date()
  const due = await isolated(context, prisma =>
    prisma.webhookDelivery.findMany({
      where: claimable(clock()),
      select: { id: true },
      orderBy: { nextAttemptAt: 'asc' },
      take: batchSize,
    }),
  )
  // receivers answer at their own pace: one slow target must not hold up the rest of the batch
  const outcomes = await Promise.all(
    due.map(({ id }) => deliverOne(context, id, { clock, backoffMs, timeoutMs, maxAttempts })),
  )
  return {
    delivered: outcomes.filter(outcome => outcome === 'delivered').length,
    retried: outcomes.filter(outcome => outcome === 'retried').length,
    failed: outcomes.filter(outcome => outcome === 'failed').length,
  }
}

/** Poll for due deliveries every intervalMs, and at once on kick(), without overlapping runs. */
export function startWebhookWorker(context: Context, options: WebhookWorkerOptions = {}): WebhookWorker {
  const { intervalMs = DEFAULT_INTERVAL_MS, batchSize = DEFAULT_BATCH_SIZE, ...delivery } = options
  const polling = startPolling('webhooks', intervalMs, async () => {
    const { delivered, retried, failed } = await deliverDueWebhooks(context, { ...delivery, batchSize })
    return delivered + retried + failed >= batchSize
  })
  const worker: WebhookWorker = {
    kick: polling.kick,
    async stop() {
      await polling.stop()
      if (running === worker) running = undefined
    },
  }
  running = worker
  return worker
}

type Settings = { clock: () => Date; backoffMs: number; timeoutMs: number; maxAttempts: number }
type Outcome = 'delivered' | 'retried' | 'failed' | 'taken'
// what one attempt came to; `final` gives up without a retry (the target is no longer allowed)
type Attempt = { ok: boolean; statusCode?: number; error?: string; ms: number; final?: boolean }

async function deliverOne(
  context: Context,
  id: string,
  { clock, backoffMs, timeoutMs, maxAttempts }: Settings,
): Promise<Outcome> {
  const claimedAt = clock()
  const lease = new Date(claimedAt.getTime() + Math.max(LEASE_MS, timeoutMs + LEASE_MARGIN_MS))
  // one UPDATE … WHERE id AND still claimable: of two processes, exactly one changes the row; it
  // then reads the row in the same transaction, so attempts and log are the latest ones
  const delivery = await isolated(context, async prisma => {
    const { count } = await prisma.webhookDelivery.updateMany({
      where: { id, ...claimable(claimedAt) },
      data: { status: 'sending', lockedUntil: lease },
    })
    if (count !== 1) return undefined
    return prisma.webhookDelivery.findUnique({
      where: { id },
      select: {
        id: true,
        event: true,
        payload: true,
        attempts: true,
        log: true,
        webhook: { select: { id: true, name: true, targetUrl: true, secret: true, isActive: true } },
      },
    })
  })
  if (!delivery) return 'taken'

  const attempt = await attemptDelivery(delivery, timeoutMs)
  const attempts = delivery.attempts + 1
  const entry: WebhookAttempt = {
    at: clock().toISOString(),
    ...(attempt.statusCode !== undefined ? { statusCode: attempt.statusCode } : {}),
    ...(attempt.error !== undefined ? { error: attempt.error } : {}),
    ms: attempt.ms,
  }
  const log = [...(Array.isArray(delivery.log) ? delivery.log : []), entry]
  const outcome: Outcome = attempt.ok ? 'delivered' : attempt.final || attempts >= maxAttempts ? 'failed' : 'retried'
  const data = {
    attempts,
    log,
    lockedUntil: null,
    lastStatusCode: attempt.statusCode ?? null,
    lastError: attempt.error ?? '',
    ...(outcome === 'delivered' ? { status: 'delivered', deliveredAt: clock(), nextAttemptAt: null } : {}),
    ...(outcome === 'failed' ? { status: 'failed', nextAttemptAt: null } : {}),
    ...(outcome === 'retried'
      ? { status: 'pending', nextAttemptAt: new Date(clock().getTime() + backoff(attempts, backoffMs)) }
      : {}),
  }
  // only while the lease is still ours: past it, another sender may already own the delivery
  await isolated(context, prisma =>
    prisma.webhookDelivery.updateMany({ where: { id, status: 'sending', lockedUntil: lease }, data }),
  )
  if (!attempt.ok) {
    // the webhook by name and id only: a target URL may carry a credential in its query
    const webhook = delivery.webhook ? `${delivery.webhook.name} (${delivery.webhook.id})` : 'a deleted webhook'
    console.warn(
      `webhooks: ${delivery.event} to ${webhook} failed (attempt ${attempts}${outcome === 'failed' ? ', giving up' : ''}): ${attempt.error}`,
    )
  }
  return outcome
}

type ClaimedDelivery = {
  id: string
  event: string
  payload: string
  webhook: { id: string; targetUrl: string; secret: string; isActive: boolean } | null
}

async function attemptDelivery({ id, event, payload, webhook }: ClaimedDelivery, timeoutMs: number): Promise<Attempt> {
  if (!webhook) return { ok: false, error: 'the webhook was deleted', ms: 0, final: true }
  if (!webhook.isActive) return { ok: false, error: 'the webhook is inactive', ms: 0, final: true }
  let url: string
  try {
    // checked again at send time: the environment (production or not) may have changed since
    url = assertSafeWebhookUrl(webhook.targetUrl, 'targetUrl')
  } catch (error) {
    if (!(error instanceof DomainError)) throw error
    return { ok: false, error: `target URL refused: ${error.errors[0]?.message ?? error.message}`, ms: 0, final: true }
  }

  let secret = ''
  try {
    secret = openSecrets(webhook.secret).secret ?? ''
  } catch (error) {
    return { ok: false, error: describeError(error, [webhook.secret]), ms: 0 }
  }
  if (!secret) return { ok: false, error: 'the webhook has no secret', ms: 0 }

  const started = performance.now()
  const elapsed = () => Math.round(performance.now() - started)
  try {
    const status = await postOnce(url, {
      headers: {
        'content-type': 'application/json',
        'user-agent': USER_AGENT,
        'X-Event-Type': event,
        'X-Delivery-Id': id,
        'X-Signature-SHA256': signWebhookBody(payload, secret),
      },
      body: payload,
      timeoutMs,
    })
    const ms = elapsed()
    if (status >= 200 && status < 300) return { ok: true, statusCode: status, ms }
    // WARNING: a redirect is a failure; following it could reach a target the URL check refused
    if (status >= 300 && status < 400)
      return { ok: false, statusCode: status, error: `redirect not followed (HTTP ${status})`, ms }
    return { ok: false, statusCode: status, error: `HTTP ${status}`, ms }
  } catch (error) {
    // a target that resolves inside is not retried: its answer will not become public by waiting
    const refused = error instanceof TargetRefusedError
    return { ok: false, error: describeSendError(error, timeoutMs), ms: elapsed(), ...(refused ? { final: true } : {}) }
  }
}

class SendTimeout extends Error {}

// One POST through node:http(s), resolving to the answer's status once its headers arrive; the
// body is not read. Redirects are never followed (node:http does not follow them). The name is
// resolved by safeLookup, which refuses internal answers in production and pins the socket to
// the address it checked; a literal is never looked up, so it is judged here before connecting.
// A fresh agent per request: a pooled socket may have been opened by other code, unchecked.
function postOnce(
  url: string,
  { headers, body, timeoutMs }: { headers: Record<string, string>; body: string; timeoutMs: number },
): Promise<number> {
  const target = new URL(url)
  const allowInternal = !env.isProduction
  const literal = target.hostname.replace(/^\[|\]$/g, '')
  if (!allowInternal && isIP(literal) !== 0 && !isPublicAddress(literal))
    return Promise.reject(new TargetRefusedError())
  const transport = target.protocol === 'https:' ? https : http
  return new Promise((resolve, reject) => {
    const request = transport.request(target, {
      method: 'POST',
      headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
      agent: false,
      lookup: safeLookup({ allowInternal }),
    })
    const timer = setTimeout(() => request.destroy(new SendTimeout()), timeoutMs)
    request.once('response', response => {
      clearTimeout(timer)
      // the answer's body is not read; destroying it closes the connection
      response.destroy()
      resolve(response.statusCode ?? 0)
    })
    request.on('error', error => {
      clearTimeout(timer)
      reject(error)
    })
    request.end(body)
  })
}

// WARNING: what is recorded is shown to the webhook's managers: never the resolved address, the
// port or the system's message ("connect ECONNREFUSED 127.0.0.1:8443"), and few enough kinds
// of failure that the log cannot be used to map what listens where
function describeSendError(error: unknown, timeoutMs: number): string {
  if (error instanceof SendTimeout) return `timed out after ${timeoutMs} ms`
  if (error instanceof TargetRefusedError) return TARGET_REFUSED
  const code = errorCode(error)
  if (['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NODATA', 'EAI_NONAME', 'ENODATA'].includes(code))
    return 'could not resolve the host name'
  if (
    ['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENETDOWN', 'ETIMEDOUT', 'EADDRNOTAVAIL'].includes(
      code,
    )
  )
    return 'could not connect'
  if (['ECONNRESET', 'EPIPE', 'ECONNABORTED'].includes(code)) return 'the connection closed before an answer'
  if (code === 'EPROTO' || /^ERR_(TLS|SSL|OSSL)_|CERT|UNABLE_TO_(GET|VERIFY|DECRYPT)/.test(code))
    return 'TLS handshake failed'
  // an error code names a kind, never a place; anything without one is summed up
  return /^[A-Z][A-Z0-9_]{1,63}$/.test(code) ? `request failed (${code})` : 'request failed'
}

// Node gives several failed attempts (one per address) as an AggregateError without its own code
function errorCode(error: unknown): string {
  const code = (error as { code?: unknown })?.code
  if (typeof code === 'string') return code
  const [first] = (error as { errors?: unknown[] })?.errors ?? []
  return first === undefined ? '' : errorCode(first)
}

function sanitize(value: unknown, seen: WeakSet<object>): unknown {
  if (typeof value === 'string') return PASSWORD_HASH.test(value) ? undefined : value
  if (typeof value === 'bigint') return value.toString()
  if (typeof value === 'function' || typeof value === 'symbol') return undefined
  if (value === null || typeof value !== 'object') return value
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString()
  // a cycle cannot be serialised; its repeat is left out
  if (seen.has(value)) return undefined
  seen.add(value)
  try {
    if (Array.isArray(value)) return value.map(item => sanitize(item, seen)).filter(item => item !== undefined)
    const toJSON = (value as { toJSON?: unknown }).toJSON
    if (typeof toJSON === 'function') return sanitize(toJSON.call(value), seen)
    const copy: Record<string, unknown> = {}
    for (const [key, item] of Object.entries(value)) {
      if (isSecretKey(key)) continue
      const clean = sanitize(item, seen)
      if (clean !== undefined) copy[key] = clean
    }
    return copy
  } finally {
    seen.delete(value)
  }
}

function isSecretKey(key: string): boolean {
  const normalised = key.toLowerCase().replace(/[-_]/g, '')
  return SECRET_KEYS.has(normalised) || SECRET_KEY_ENDINGS.some(ending => normalised.endsWith(ending))
}
