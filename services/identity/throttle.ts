// Login throttling, Saleor's (saleor/account/throttling.py) with its state in the shared database,
// so every server process sees the same counts. Sign-in attempts are counted per client IP, per IP
// and account, and per account across all IPs, each within a fixed window. Past a few free
// failures, each failure blocks the next attempt from that IP and account (or that IP) for
// 2^(failures - free) seconds, up to an hour. Past ACCOUNT_CEILING failures and attempts in
// flight an account refuses every attempt, from any IP, until its window ends, so a botnet cannot
// grind one account. Keys are hashes, and the same whether or not the email is registered.
//
// Use: checkLoginAllowed before the password is verified, then exactly one of recordLoginFailure
// and recordLoginSuccess: two statements per attempt. The check counts the attempt as in flight
// and reads the counts in one atomic statement (an upsert of the three keys), so parallel
// attempts each see the others. An attempt in flight is not a failure: correct passwords sent at
// once are let through together while free failures remain, with room for PARALLEL_GRACE more;
// past the free failures attempts go one at a time, so parallel guessing gains nothing. A refused
// check takes its count back and writes nothing else, so hammering never extends a block.
import { createHash } from 'node:crypto'
import type { Context } from '../../generated/keystone/types'
import { DomainError } from '../kernel'
import { clientNetwork } from '../kernel'
import { bind, hotQuery } from '../kernel'

/** How fast the delay grows once the free failures are used up. */
export type DelayPolicy = { freeFailures: number; failuresPerDoubling: number }

// why an attempt waits: failures set a block, too many attempts are in flight at once, or the
// account has reached its ceiling for the window; each gets a message that says so
export type DelayReason = 'failures' | 'parallel' | 'ceiling'

export type LoginCheck = { allowed: true } | { allowed: false; retryAfterSeconds: number; reason: DelayReason }

export type ThrottleKeys = { ip: string; ipAccount: string; account: string }

// how long failures are remembered, counted from the first one; Saleor keeps its counters 2 h
export const WINDOW_SECONDS = 3600
// Saleor's MAX_DELAY
export const MAX_DELAY_SECONDS = 3600
// one person mistyping, trying old passwords or fighting caps lock; the 6th failure costs 2 s,
// the 17th an hour
export const IP_ACCOUNT_POLICY: DelayPolicy = { freeFailures: 5, failuresPerDoubling: 1 }
// every user behind one NAT or proxy shares this count, so it starts later and grows more
// slowly (Saleor doubles every 10 failures per IP); it still slows one IP stuffing credentials
// across many accounts to about sixty guesses an hour
export const IP_POLICY: DelayPolicy = { freeFailures: 20, failuresPerDoubling: 5 }
// WARNING: anyone can lock an account's password sign-in for the rest of a window with this many
// failures. It is the price of capping a botnet at 50 guesses an hour per account; the owner can
// still get in through requestPasswordReset + setPassword, which this throttle does not cover.
export const ACCOUNT_CEILING = 50
// while free failures remain, this many attempts beyond them may be in flight at once: a shop's
// checkout signing in from many tabs, or a load balancer's health probe, is never refused
export const PARALLEL_GRACE = 10
// an attempt whose process died before it recorded its outcome stops counting after this long
const IN_FLIGHT_TTL_MS = 30_000
const SWEEP_INTERVAL_MS = 5 * 60_000

type Row = { key: string; failures: number; inFlight: number; windowStart: number; lastFailureAt: number }

/**
 * Tell whether a sign-in may go on to the password check, without telling whether the email
 * is registered. One statement counts the attempt and reads the counts; a refusal takes its
 * count back in a second one and writes nothing else.
 */
export async function checkLoginAllowed(context: Context, who: { ip: string; email: string }): Promise<LoginCheck> {
  const keys = throttleKeys(who)
  const now = Date.now()
  sweepExpired(context, now)
  const rows = await countAttempt(context, keys, now)
  const row = (key: string) =>
    rows.find(r => r.key === key) ?? { key, failures: 0, inFlight: 1, windowStart: now, lastFailureAt: 0 }
  const waits = [
    refusalOf(row(keys.ipAccount), IP_ACCOUNT_POLICY, now),
    refusalOf(row(keys.ip), IP_POLICY, now),
    accountRefusal(row(keys.account), now),
  ].filter((wait): wait is Wait => wait !== undefined)
  if (waits.length === 0) return { allowed: true }
  await finishAttempt(context, keys, 'refused', now)
  const longest = waits.reduce((a, b) => (b.ms > a.ms ? b : a))
  return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(longest.ms / 1000)), reason: longest.reason }
}

/** Count a failure against the IP, the IP and account, and the account; blocks follow from it. */
export async function recordLoginFailure(context: Context, who: { ip: string; email: string }): Promise<void> {
  await finishAttempt(context, throttleKeys(who), 'failure', Date.now())
}

/**
 * Forget the IP-and-account failures, as Saleor does, and end the attempt. The IP's and the
 * account's failures stay: signing in to one's own account must not wipe what an IP did to
 * other accounts, or what a botnet did to this one.
 */
export async function recordLoginSuccess(context: Context, who: { ip: string; email: string }): Promise<void> {
  await finishAttempt(context, throttleKeys(who), 'success', Date.now())
}

/** The refusal for a throttled sign-in, on `email` as in Saleor, saying when to try again. */
export function loginDelayedError(retryAfterSeconds: number, reason: DelayReason = 'failures'): DomainError {
  const seconds = Math.max(1, Math.ceil(retryAfterSeconds))
  const wait = seconds < 120 ? plural(seconds, 'second') : plural(Math.ceil(seconds / 60), 'minute')
  const why = {
    failures: 'Too many failed sign-in attempts.',
    parallel: 'Too many sign-in attempts at the same time.',
    ceiling: 'Too many sign-in attempts for this account.',
  }[reason]
  return new DomainError({ field: 'email', code: 'LOGIN_ATTEMPT_DELAYED', message: `${why} Try again in ${wait}.` })
}

/**
 * Give the seconds a key stays blocked after its `attempts`-th failure in a window: none for the
 * free failures, then 2 s, doubling every `failuresPerDoubling` failures, at most MAX_DELAY_SECONDS.
 */
export function delayForAttempts(attempts: number, policy: DelayPolicy = IP_ACCOUNT_POLICY): number {
  const over = attempts - policy.freeFailures
  if (!(over > 0)) return 0
  return Math.min(2 ** Math.ceil(over / policy.failuresPerDoubling), MAX_DELAY_SECONDS)
}

/**
 * Name the counters of a sign-in: its IP, its IP and account, its account. The email is
 * normalised as accounts store it, and every key is a SHA-256 hash, so no email or address is
 * kept in the table. An IPv6 client counts by its /64, the block one subscriber gets.
 */
export function throttleKeys(who: { ip: string; email: string }): ThrottleKeys {
  const ip = clientNetwork(who.ip)
  const email = who.email.trim().toLowerCase()
  return {
    ip: `ip:${sha256(`ip\n${ip}`)}`,
    ipAccount: `ip-account:${sha256(`ip-account\n${ip}\n${email}`)}`,
    account: `account:${sha256(`account\n${email}`)}`,
  }
}

type Wait = { ms: number; reason: DelayReason }

// how long until this key lets an attempt through, and why, or undefined when it does now
function refusalOf(row: Row, policy: DelayPolicy, now: number): Wait | undefined {
  const blockedUntil = row.lastFailureAt + delayForAttempts(row.failures, policy) * 1000
  if (blockedUntil > now) return { ms: blockedUntil - now, reason: 'failures' }
  const room = row.failures < policy.freeFailures ? policy.freeFailures - row.failures + PARALLEL_GRACE : 1
  // another attempt holds the key: this one may go once that one's failure would have been waited out
  if (row.inFlight > room) return { ms: delayForAttempts(row.failures + 1, policy) * 1000 || 1000, reason: 'parallel' }
  return undefined
}

// the account's ceiling counts attempts in flight too: parallel attempts from many IPs cannot pass it
function accountRefusal(row: Row, now: number): Wait | undefined {
  if (row.failures + row.inFlight <= ACCOUNT_CEILING) return undefined
  return { ms: row.windowStart + WINDOW_SECONDS * 1000 - now, reason: 'ceiling' }
}

// Both statements are upserts of the three rows in the same (sorted) order, so that on PostgreSQL
// concurrent attempts take the rows' locks in one order and never deadlock.
function lockOrder(keys: ThrottleKeys): [string, string, string] {
  return [keys.ip, keys.ipAccount, keys.account].sort() as [string, string, string]
}

// The first statement: count the attempt in flight on each key (a window past its end starts
// over) and read back what every key holds, atomically, in one upsert.
async function countAttempt(context: Context, keys: ThrottleKeys, now: number): Promise<Row[]> {
  const windowCutoff = now - WINDOW_SECONDS * 1000
  const staleCutoff = now - IN_FLIGHT_TTL_MS
  const [first, second, third] = lockOrder(keys)
  const raw = await hotQuery(
    context,
    'login-throttle-count',
    `
    INSERT INTO "LoginThrottle" ("key", "failures", "inFlight", "windowStart", "lastFailureAt", "lastAttemptAt")
    VALUES (?, 0, 1, ?, 0, ?), (?, 0, 1, ?, 0, ?), (?, 0, 1, ?, 0, ?)
    ON CONFLICT ("key") DO UPDATE SET
      "failures" = CASE WHEN "LoginThrottle"."windowStart" <= ? THEN 0 ELSE "LoginThrottle"."failures" END,
      "windowStart" = CASE WHEN "LoginThrottle"."windowStart" <= ? THEN ? ELSE "LoginThrottle"."windowStart" END,
      "inFlight" = CASE WHEN "LoginThrottle"."lastAttemptAt" < ? THEN 1 ELSE "LoginThrottle"."inFlight" + 1 END,
      "lastAttemptAt" = ?
    RETURNING "key", "failures", "inFlight", "windowStart", "lastFailureAt"`,
    [first, now, now, second, now, now, third, now, now, windowCutoff, windowCutoff, now, staleCutoff, now],
  )
  return raw.map(r => ({
    key: String(r.key),
    failures: Number(r.failures),
    inFlight: Number(r.inFlight),
    windowStart: Number(r.windowStart),
    lastFailureAt: Number(r.lastFailureAt),
  }))
}

// The second statement: the attempt is no longer in flight; a failure counts on every key, a
// success forgets the IP-and-account failures, a refusal only takes its count back.
async function finishAttempt(
  context: Context,
  keys: ThrottleKeys,
  outcome: 'success' | 'failure' | 'refused',
  now: number,
): Promise<void> {
  const failed = outcome === 'failure' ? 1 : 0
  // the key whose failures a success forgets; no key is empty, so '' forgets nothing
  const forget = outcome === 'success' ? keys.ipAccount : ''
  const [first, second, third] = lockOrder(keys)
  // an upsert rather than an UPDATE … WHERE key IN (…), which would lock the rows in whatever
  // order the index gives; the rows exist (the first statement wrote them), the VALUES never land
  await hotQuery(
    context,
    'login-throttle-finish',
    `
    INSERT INTO "LoginThrottle" ("key", "failures", "inFlight", "windowStart", "lastFailureAt", "lastAttemptAt")
    VALUES (?, 0, 0, ?, 0, ?), (?, 0, 0, ?, 0, ?), (?, 0, 0, ?, 0, ?)
    ON CONFLICT ("key") DO UPDATE SET
      "inFlight" = CASE WHEN "LoginThrottle"."inFlight" > 0 THEN "LoginThrottle"."inFlight" - 1 ELSE 0 END,
      "failures" = CASE WHEN "LoginThrottle"."key" = ? THEN 0 ELSE "LoginThrottle"."failures" + ? END,
      "lastFailureAt" = CASE WHEN ? = 1 THEN ? ELSE "LoginThrottle"."lastFailureAt" END`,
    [first, now, now, second, now, now, third, now, now, forget, failed, failed, now],
  )
}

const nextSweepAt = new WeakMap<object, number>()

// Rows of keys that have been quiet for longer than any window or block are removed, at most
// every few minutes per process, beside the attempt rather than in its way.
function sweepExpired(context: Context, now: number): void {
  if (now < (nextSweepAt.get(context.prisma) ?? 0)) return
  nextSweepAt.set(context.prisma, now + SWEEP_INTERVAL_MS)
  const cutoff = now - (WINDOW_SECONDS + MAX_DELAY_SECONDS) * 1000
  context.prisma
    .$executeRaw(...bind(`DELETE FROM "LoginThrottle" WHERE "lastAttemptAt" < ?`, [cutoff]))
    // a failed sweep leaves the rows for the next one; the sign-in itself must not fail for it
    .catch(() => {})
}

function plural(count: number, unit: string): string {
  return `${count} ${unit}${count === 1 ? '' : 's'}`
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex')
}
