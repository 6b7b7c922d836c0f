// Login throttling, Saleor's (saleor/account/throttling.py) with its state in the shared database,
// so every server process sees the same counts. Sign-in attempts are counted per client IP, per IP
// and account, per account and client network (an IPv4 /24, an IPv6 /64), and per account across
// all networks, each within a fixed window. Past a few free failures, each failure blocks the next
// attempt from that IP and account (or that IP) for 2^(failures - free) seconds, up to an hour.
// Past NETWORK_ACCOUNT_CEILING failures and attempts in flight, one network is refused for that
// account until the window ends; past ACCOUNT_CEILING, every network is, so a botnet cannot grind
// one account. Keys are hashes, and the same whether or not the email is registered.
//
// The rule: a lockout an attacker can cause is one the owner can always undo.
// - The ceilings are the lockouts anonymous guesses can cause. A client that presents a valid
//   device proof for the account (services/identity/deviceProof.ts: left by an earlier successful
//   sign-in on that device) is not held by them, nor by its IP's failures on other accounts; it is
//   held by its own failures (per IP and account, and per device), so a stolen proof still guesses
//   slowly.
// - Every counter of an account lives under the account's key (`account:<hash>` and
//   `account:<hash>:…`), so clearAccountLockout lifts all of them in one statement: a proven
//   password reset calls it in the transaction that records the reset, and every way in
//   (tokenCreate, the Admin UI sign-in, setPassword's own sign-in) reads these same counters.
//
// Use: checkLoginAllowed before the password is verified, then exactly one of recordLoginFailure
// and recordLoginSuccess: two statements per attempt. The check counts the attempt as in flight
// and reads the counts in one atomic statement (an upsert of the attempt's keys), so parallel
// attempts each see the others. An attempt in flight is not a failure: correct passwords sent at
// once are let through together while free failures remain, with room for PARALLEL_GRACE more;
// past the free failures attempts go one at a time, so parallel guessing gains nothing. A refused
// check takes its count back and writes nothing else, so hammering never extends a block.
import { createHash } from 'node:crypto'
import type { Context } from '../../generated/keystone/types'
import { DomainError } from '../kernel'
import { clientNetwork } from '../kernel'
import { bind, hotQuery, isPostgres } from '../kernel'
import type { VerifiedDevice } from './deviceProof'

/** How fast the delay grows once the free failures are used up. */
export type DelayPolicy = { freeFailures: number; failuresPerDoubling: number }

// why an attempt waits: failures set a block, too many attempts are in flight at once, or the
// account has reached its ceiling (from this network or from all) for the window; each gets a
// message that says so
export type DelayReason = 'failures' | 'parallel' | 'ceiling'

export type LoginCheck = { allowed: true } | { allowed: false; retryAfterSeconds: number; reason: DelayReason }

/**
 * Who is signing in: the client IP, the email as typed, and a device proof checked for that
 * account; `factor` is what the attempt proves: a password (the default), or a second-factor code
 * of a sign-in whose password was right (services/identity/secondFactor.ts).
 */
export type Attempt = { ip: string; email: string; device?: VerifiedDevice; factor?: 'password' | 'code' }

export type ThrottleKeys = {
  ip: string
  account: string
  ipAccount: string
  networkAccount: string
  device: string | undefined
  // a code attempt's own counter: the account's, or a proven device's on the account; the only
  // failures a right password does not forget, and a password reset does not lift
  code: string | undefined
}

// how long failures are remembered, counted from the first one; Saleor keeps its counters 2 h
export const WINDOW_SECONDS = 3600
// Saleor's MAX_DELAY
export const MAX_DELAY_SECONDS = 3600
// one person mistyping, trying old passwords or fighting caps lock; the 6th failure costs 2 s,
// the 17th an hour
export const IP_ACCOUNT_POLICY: DelayPolicy = { freeFailures: 5, failuresPerDoubling: 1 }
// a device proof's own failures, from any IP: a stolen proof gains no more guesses than one IP has
export const DEVICE_POLICY: DelayPolicy = IP_ACCOUNT_POLICY
// wrong second-factor codes on one account, from every IP (or from one proven device): whoever
// answers codes has the password, so neither a right password (which forgets the IP-and-account
// failures, as Saleor does) nor a password reset (which its holder may also have: the mailbox) buys
// more guesses; only a right code forgets them, or the window's end. The owner is not held by an
// attacker's: from a device it signed in on before, its codes count on that device's counter alone
export const CODE_POLICY: DelayPolicy = IP_ACCOUNT_POLICY
// every user behind one NAT or proxy shares this count, so it starts later and grows more
// slowly (Saleor doubles every 10 failures per IP); it still slows one IP stuffing credentials
// across many accounts to about sixty guesses an hour
export const IP_POLICY: DelayPolicy = { freeFailures: 20, failuresPerDoubling: 5 }
// failures and attempts in flight from one network on one account per window: guesses from one
// network lock that network out of the account, not everyone
export const NETWORK_ACCOUNT_CEILING = 20
// failures and attempts in flight on one account per window from all networks: caps a botnet at
// this many guesses an hour per account. Anyone with enough networks can still reach it; the owner
// then gets in with a device proof from an earlier sign-in, or lifts it with a password reset.
export const ACCOUNT_CEILING = 100
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
export async function checkLoginAllowed(context: Context, who: Attempt): Promise<LoginCheck> {
  const keys = throttleKeys(who)
  const now = Date.now()
  sweepExpired(context, now)
  const rows = await countAttempt(context, keys, now)
  const row = (key: string) =>
    rows.find(r => r.key === key) ?? { key, failures: 0, inFlight: 1, windowStart: now, lastFailureAt: 0 }
  const waits = (
    keys.device
      ? // a proven device: only its own failures hold it
        [refusalOf(row(keys.ipAccount), IP_ACCOUNT_POLICY, now), refusalOf(row(keys.device), DEVICE_POLICY, now)]
      : [
          refusalOf(row(keys.ipAccount), IP_ACCOUNT_POLICY, now),
          refusalOf(row(keys.ip), IP_POLICY, now),
          ceilingRefusal(row(keys.networkAccount), NETWORK_ACCOUNT_CEILING, now),
          ceilingRefusal(row(keys.account), ACCOUNT_CEILING, now),
        ]
  )
    .concat(keys.code ? [refusalOf(row(keys.code), CODE_POLICY, now)] : [])
    .filter((wait): wait is Wait => wait !== undefined)
  if (waits.length === 0) return { allowed: true }
  await finishAttempt(context, keys, 'refused', now)
  const longest = waits.reduce((a, b) => (b.ms > a.ms ? b : a))
  return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(longest.ms / 1000)), reason: longest.reason }
}

/**
 * Lift every lockout of the account whose email this is, from every IP, network and device, in
 * one statement: for a proven password reset, inside the transaction that records it. The IPs'
 * own counters (their failures on other accounts) stay.
 */
export async function clearAccountLockout(context: Context, email: string): Promise<void> {
  const account = accountKey(email)
  // PostgreSQL: lock the rows in key order, as the sign-in's upserts do, so that a reset and
  // sign-ins running at once wait for each other and never deadlock
  const sql = isPostgres(context)
    ? `DELETE FROM "LoginThrottle" WHERE "key" IN (
         SELECT "key" FROM "LoginThrottle" WHERE "key" = ? OR "key" LIKE ? ORDER BY "key" COLLATE "C" FOR UPDATE)`
    : `DELETE FROM "LoginThrottle" WHERE "key" = ? OR "key" LIKE ?`
  // the key is hex after its prefix: no LIKE wildcard in it
  await context.prisma.$executeRaw(...bind(sql, [account, `${account}:%`]))
}

/** Count a failure against each of the attempt's keys; blocks follow from it. */
export async function recordLoginFailure(context: Context, who: Attempt): Promise<void> {
  await finishAttempt(context, throttleKeys(who), 'failure', Date.now())
}

/** End an attempt that was neither a failure nor a success (its work refused it for another reason). */
export async function abandonLoginAttempt(context: Context, who: Attempt): Promise<void> {
  await finishAttempt(context, throttleKeys(who), 'refused', Date.now())
}

/**
 * Forget the IP-and-account failures, as Saleor does, and the device's, and end the attempt. The
 * IP's, the network's and the account's failures stay: signing in to one's own account must not
 * wipe what an IP did to other accounts, or what a botnet did to this one.
 */
export async function recordLoginSuccess(context: Context, who: Attempt): Promise<void> {
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
  // only a password reset lifts a ceiling sooner; the other waits are the client's own doing
  const sooner = reason === 'ceiling' ? ', or reset your password' : ''
  return new DomainError({
    field: 'email',
    code: 'LOGIN_ATTEMPT_DELAYED',
    message: `${why} Try again in ${wait}${sooner}.`,
  })
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
 * Name the counters of a sign-in: its IP; its account; and, under the account's key so that
 * clearAccountLockout finds them, its IP and account, its network and account, and its device.
 * The email is normalised as accounts store it, and every key is made of SHA-256 hashes, so no
 * email or address is kept in the table. An IPv6 client counts by its /64, the block one
 * subscriber gets; a network is an IPv4 /24 or an IPv6 /64.
 */
export function throttleKeys(who: Attempt): ThrottleKeys {
  const ip = clientNetwork(who.ip)
  const network = clientNetwork(who.ip, { ipv4Bits: 24 })
  const email = normalizedForThrottle(who.email)
  const account = accountKey(email)
  return {
    ip: `ip:${sha256(`ip\n${ip}`)}`,
    account,
    ipAccount: `${account}:ip:${sha256(`ip-account\n${ip}\n${email}`)}`,
    networkAccount: `${account}:network:${sha256(`network-account\n${network}\n${email}`)}`,
    device: who.device === undefined ? undefined : `${account}:device:${sha256(`device\n${who.device}\n${email}`)}`,
    code:
      who.factor !== 'code'
        ? undefined
        : who.device === undefined
          ? `code:${sha256(`code\n${email}`)}`
          : `code:${sha256(`code\n${email}`)}:device:${sha256(`code-device\n${who.device}\n${email}`)}`,
  }
}

// the one name of an account's counters, whether or not an account has the email
function accountKey(email: string): string {
  return `account:${sha256(`account\n${normalizedForThrottle(email)}`)}`
}

function normalizedForThrottle(email: string): string {
  return email.trim().toLowerCase()
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

// a ceiling counts attempts in flight too: parallel attempts from many IPs cannot pass it
function ceilingRefusal(row: Row, ceiling: number, now: number): Wait | undefined {
  if (row.failures + row.inFlight <= ceiling) return undefined
  return { ms: row.windowStart + WINDOW_SECONDS * 1000 - now, reason: 'ceiling' }
}

// The keys an attempt counts on, in one (sorted) order, so that on PostgreSQL concurrent attempts,
// and a reset clearing an account, take the rows' locks in one order and never deadlock. A proven
// device counts on its own keys and its IP's, never on the account's or its network's ceilings:
// the owner signing in does not help an attacker lock the account.
function keysOf(keys: ThrottleKeys): string[] {
  const counted = keys.device
    ? [keys.ip, keys.ipAccount, keys.device]
    : [keys.ip, keys.ipAccount, keys.networkAccount, keys.account]
  if (keys.code) counted.push(keys.code)
  return counted.sort()
}

// `(?, 0, <inFlight>, ?, 0, ?)` once per key, and the statement's name for that many keys
function valuesFor(count: number, inFlight: 0 | 1): string {
  return Array.from({ length: count }, () => `(?, 0, ${inFlight}, ?, 0, ?)`).join(', ')
}

// The first statement: count the attempt in flight on each key (a window past its end starts
// over) and read back what every key holds, atomically, in one upsert.
async function countAttempt(context: Context, keys: ThrottleKeys, now: number): Promise<Row[]> {
  const windowCutoff = now - WINDOW_SECONDS * 1000
  const staleCutoff = now - IN_FLIGHT_TTL_MS
  const ordered = keysOf(keys)
  const raw = await hotQuery(
    context,
    `login-throttle-count-${ordered.length}`,
    `
    INSERT INTO "LoginThrottle" ("key", "failures", "inFlight", "windowStart", "lastFailureAt", "lastAttemptAt")
    VALUES ${valuesFor(ordered.length, 1)}
    ON CONFLICT ("key") DO UPDATE SET
      "failures" = CASE WHEN "LoginThrottle"."windowStart" <= ? THEN 0 ELSE "LoginThrottle"."failures" END,
      "windowStart" = CASE WHEN "LoginThrottle"."windowStart" <= ? THEN ? ELSE "LoginThrottle"."windowStart" END,
      "inFlight" = CASE WHEN "LoginThrottle"."lastAttemptAt" < ? THEN 1 ELSE "LoginThrottle"."inFlight" + 1 END,
      "lastAttemptAt" = ?
    RETURNING "key", "failures", "inFlight", "windowStart", "lastFailureAt"`,
    [...ordered.flatMap(key => [key, now, now]), windowCutoff, windowCutoff, now, staleCutoff, now],
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
  // the keys whose failures a success forgets: its IP and account's, its device's, and a right
  // code's own counter; no key is empty, so '' forgets nothing
  const forget = outcome === 'success' ? [keys.ipAccount, keys.device ?? '', keys.code ?? ''] : ['', '', '']
  const ordered = keysOf(keys)
  // an upsert rather than an UPDATE … WHERE key IN (…), which would lock the rows in whatever
  // order the index gives; the rows exist (the first statement wrote them, unless a reset has
  // cleared them since: then the VALUES land with nothing counted, as the reset meant)
  await hotQuery(
    context,
    `login-throttle-finish-${ordered.length}`,
    `
    INSERT INTO "LoginThrottle" ("key", "failures", "inFlight", "windowStart", "lastFailureAt", "lastAttemptAt")
    VALUES ${valuesFor(ordered.length, 0)}
    ON CONFLICT ("key") DO UPDATE SET
      "inFlight" = CASE WHEN "LoginThrottle"."inFlight" > 0 THEN "LoginThrottle"."inFlight" - 1 ELSE 0 END,
      "failures" = CASE WHEN "LoginThrottle"."key" IN (?, ?, ?) THEN 0 ELSE "LoginThrottle"."failures" + ? END,
      "lastFailureAt" = CASE WHEN ? = 1 THEN ? ELSE "LoginThrottle"."lastFailureAt" END`,
    [...ordered.flatMap(key => [key, now, now]), ...forget, failed, failed, now],
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
