// The limits that keep anonymous callers from using us to send mail or burn CPU, besides sign-in
// throttling (throttle.ts). Owns two rules, both counted in the shared RateLimiterFlexible table
// through rate-limiter-flexible, so every server process sees the same counts:
// - per client IP: accountRegister, requestPasswordReset and requestEmailChange together, at most
//   ACCOUNT_REQUEST_LIMIT per ACCOUNT_REQUEST_WINDOW seconds, counted before anything is looked up;
// - per client IP: the anonymous requests that store a sign-in challenge (passkeyAuthenticationOptions),
//   at most CHALLENGE_REQUEST_LIMIT a minute, so no client fills the challenges' table faster than
//   the sweeper empties it;
// - per recipient: at most one unsolicited mail (mailTemplates.ts) of each quiet class per quiet
//   period, for each kind of requester (anyone, staff), claimed by outbox.ts when the mail is
//   enqueued and counted by mailbox: the address as accounts store it, without a +tag, so that
//   Ann@Example.com and ann+1@example.com share ann@example.com's period.
// Each count is one upsert that increments in the database, so of concurrent requests (other
// processes, PostgreSQL) each gets its own number and exactly one can be the first. Keys are
// hashes: no address or email is kept in the table.
import { createHash } from 'node:crypto'
import { RateLimiterPrisma, RateLimiterRes } from 'rate-limiter-flexible'
import type { Context } from '../../generated/keystone/types'
import { env } from '../../env'
import { DomainError, clientNetwork, normalizeEmail } from '../kernel'
import { MAIL_REQUESTERS, QUIET_PERIOD_SECONDS, type MailRequester, type QuietClass } from './mailTemplates'

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

// a sign-in page asks once a visit: an office behind one address signs in far less often
export const CHALLENGE_REQUEST_LIMIT = 60
const CHALLENGE_REQUEST_WINDOW_SECONDS = 60

/** Count one anonymous challenge request from this IP; past the limit throw TOO_MANY_REQUESTS. */
export async function assertChallengeRequestAllowed(context: Context, ip: string): Promise<void> {
  const { challengeRequests } = limitersFor(context.prisma)
  try {
    await challengeRequests.consume(sha256(`challenge-requests\n${clientNetwork(ip)}`))
  } catch (error) {
    if (error instanceof RateLimiterRes) throw tooManyRequestsError(error.msBeforeNext / 1000)
    throw error
  }
}

/**
 * Take the recipient's quiet period of a class for this kind of requester: true for the first call
 * of a period, false for every later one until it ends. Runs on `context`'s client, so inside a
 * transaction the claim commits or rolls back with the mail it allows, and a concurrent twin's claim
 * (another process, PostgreSQL) waits for it and counts second.
 */
export async function claimQuietPeriod(
  context: Context,
  { to, quietClass, requestedBy }: { to: string; quietClass: QuietClass; requestedBy: MailRequester },
): Promise<boolean> {
  const limiter = limitersFor(context.prisma).quiet[requestedBy]
  try {
    await limiter.consume(quietKey(quietClass, to))
    return true
  } catch (error) {
    if (error instanceof RateLimiterRes) return false
    throw error
  }
}

/** End the recipient's quiet periods of a class, for every kind of requester (setPassword ends a reset's). */
export async function endQuietPeriod(
  context: Context,
  { to, quietClass }: { to: string; quietClass: QuietClass },
): Promise<void> {
  const { quiet } = limitersFor(context.prisma)
  for (const requester of MAIL_REQUESTERS) await quiet[requester].delete(quietKey(quietClass, to))
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

/** Name the quiet period of one class of mail to one mailbox: no address is kept, only its hash. */
export function quietKey(quietClass: QuietClass, to: string): string {
  return sha256(`quiet\n${quietClass}\n${mailboxOf(to)}`)
}

/**
 * The mailbox an address reaches, as far as it can be told from the address: compared as accounts
 * store it, and without a +tag, which the common providers deliver to the untagged address.
 */
export function mailboxOf(to: string): string {
  const address = normalizeEmail(to)
  const at = address.lastIndexOf('@')
  if (at < 0) return address
  const local = address.slice(0, at)
  const plus = local.indexOf('+')
  return plus > 0 ? `${local.slice(0, plus)}${address.slice(at)}` : address
}

type Limiters = {
  accountRequests: RateLimiterPrisma
  challengeRequests: RateLimiterPrisma
  quiet: Record<MailRequester, RateLimiterPrisma>
}

// the rate-limiter-flexible model as Prisma's client names it: the library reads client[tableName]
const MODEL = 'rateLimiterFlexible'

// One set per Prisma client, a transaction's included; the library's sweep timer stays off, as
// in throttle.ts, whose sweep on the sign-in path removes expired rows of every prefix, and each
// key's own expired row is replaced when it is counted again.
const limiters = new WeakMap<object, Limiters>()

function limitersFor(prisma: Context['prisma']): Limiters {
  let set = limiters.get(prisma)
  if (!set) {
    const common = { storeClient: prisma, tableName: MODEL, clearExpiredByTimeout: false }
    set = {
      // a fixed window from the first request: refused requests still count but never extend it
      accountRequests: new RateLimiterPrisma({
        ...common,
        keyPrefix: 'account-requests',
        points: env.accountRequestLimit,
        duration: env.accountRequestWindow,
      }),
      challengeRequests: new RateLimiterPrisma({
        ...common,
        keyPrefix: 'challenge-requests',
        points: CHALLENGE_REQUEST_LIMIT,
        duration: CHALLENGE_REQUEST_WINDOW_SECONDS,
      }),
      // one mail a period: refused claims still count but never extend it
      quiet: {
        anyone: new RateLimiterPrisma({
          ...common,
          keyPrefix: 'quiet-anyone',
          points: 1,
          duration: QUIET_PERIOD_SECONDS.anyone,
        }),
        staff: new RateLimiterPrisma({
          ...common,
          keyPrefix: 'quiet-staff',
          points: 1,
          duration: QUIET_PERIOD_SECONDS.staff,
        }),
      },
    }
    limiters.set(prisma, set)
  }
  return set
}

function plural(count: number, unit: string): string {
  return `${count} ${unit}${count === 1 ? '' : 's'}`
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex')
}
