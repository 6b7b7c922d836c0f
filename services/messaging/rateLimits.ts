// The limits that keep anonymous callers from using us to send mail or burn CPU, besides sign-in
// throttling (throttle.ts). Owns two rules, both counted in the shared RateLimiterFlexible table
// through rate-limiter-flexible, so every server process sees the same counts:
// - per client IP: accountRegister, requestPasswordReset and requestEmailChange together, at most
//   ACCOUNT_REQUEST_LIMIT per ACCOUNT_REQUEST_WINDOW seconds, counted before anything is looked up;
// - per recipient: at most one notice mail (mailTemplates.ts) of each template per quiet period,
//   claimed by outbox.ts when the notice is enqueued.
// Each count is one upsert that increments in the database, so of concurrent requests (other
// processes, PostgreSQL) each gets its own number and exactly one can be the first. Keys are
// hashes: no address or email is kept in the table.
import { createHash } from 'node:crypto'
import { RateLimiterPrisma, RateLimiterRes } from 'rate-limiter-flexible'
import type { Context } from '../../generated/keystone/types'
import { env } from '../../env'
import { DomainError } from '../kernel'
import { NOTICE_QUIET_PERIOD_SECONDS, type MailTemplate } from './mailTemplates'
import { clientNetwork } from '../kernel'

/** Count one account request from this IP; past the limit throw TOO_MANY_REQUESTS, saying when to retry. */
export async function assertAccountRequestAllowed(context: Context, ip: string): Promise<void> {
  const { accountRequests } = limitersFor(context.prisma)
  try {
    await accountRequests.consume(accountRequestKey(ip))
  } catch (error) {
    if (error instanceof RateLimiterRes) throw tooManyRequestsError(error.msBeforeNext / 1000)
    throw error
  }
}

/**
 * Take the recipient's quiet period for a notice template: true for the first call of a period,
 * false for every later one until it ends. Runs on `context`'s client, so inside a transaction
 * the claim commits or rolls back with the mail it allows.
 */
export async function claimNoticeQuietPeriod(
  context: Context,
  { template, to }: { template: MailTemplate; to: string },
): Promise<boolean> {
  const { notices } = limitersFor(context.prisma)
  try {
    await notices.consume(noticeKey(template, to))
    return true
  } catch (error) {
    if (error instanceof RateLimiterRes) return false
    throw error
  }
}

/** The refusal past the per-IP limit: about the caller's network, never about the email it sent. */
export function tooManyRequestsError(retryAfterSeconds: number): DomainError {
  const seconds = Math.max(1, Math.ceil(retryAfterSeconds))
  const wait = seconds < 120 ? plural(seconds, 'second') : plural(Math.ceil(seconds / 60), 'minute')
  return new DomainError({
    field: null,
    code: 'TOO_MANY_REQUESTS',
    message: `Too many requests from your network. Try again in ${wait}.`,
  })
}

/** Name the per-IP counter; an IPv6 client counts by its /64, as in sign-in throttling. */
export function accountRequestKey(ip: string): string {
  return sha256(`account-requests\n${clientNetwork(ip)}`)
}

/** Name the quiet period of one template to one recipient, the address compared as accounts store it. */
export function noticeKey(template: MailTemplate, to: string): string {
  return sha256(`notice\n${template}\n${to.trim().toLowerCase()}`)
}

type Limiters = { accountRequests: RateLimiterPrisma; notices: RateLimiterPrisma }

// the rate-limiter-flexible model as Prisma's client names it: the library reads client[tableName]
const MODEL = 'rateLimiterFlexible'

// One pair per Prisma client, a transaction's included; the library's sweep timer stays off, as
// in throttle.ts, whose sweep on the sign-in path removes expired rows of every prefix, and each
// key's own expired row is replaced when it is counted again.
const limiters = new WeakMap<object, Limiters>()

function limitersFor(prisma: Context['prisma']): Limiters {
  let pair = limiters.get(prisma)
  if (!pair) {
    const common = { storeClient: prisma, tableName: MODEL, clearExpiredByTimeout: false }
    pair = {
      // a fixed window from the first request: refused requests still count but never extend it
      accountRequests: new RateLimiterPrisma({
        ...common,
        keyPrefix: 'account-requests',
        points: env.accountRequestLimit,
        duration: env.accountRequestWindow,
      }),
      notices: new RateLimiterPrisma({
        ...common,
        keyPrefix: 'notice-quiet',
        points: 1,
        duration: NOTICE_QUIET_PERIOD_SECONDS,
      }),
    }
    limiters.set(prisma, pair)
  }
  return pair
}

function plural(count: number, unit: string): string {
  return `${count} ${unit}${count === 1 ? '' : 's'}`
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex')
}
