// Login throttling, Saleor's (saleor/account/throttling.py) with its state in the shared database
// through rate-limiter-flexible, so every server process sees the same counts. Sign-in attempts
// are counted per client IP, per IP and account, and per account across all IPs, each within a
// fixed window. Past a few free failures, each failure blocks the next attempt from that IP and
// account (or that IP) for 2^(failures - free) seconds, up to an hour. Past ACCOUNT_CEILING
// failures an account refuses every attempt, from any IP, until its window ends, so a botnet
// cannot grind one account. Keys are hashes, and the same whether or not the email is registered.
//
// Use: checkLoginAllowed before the password is verified, then exactly one of recordLoginFailure
// and recordLoginSuccess. The check counts the attempt itself, atomically in the database, and
// past the free failures takes the block for as long as its failure would set it, so requests
// sent in parallel cannot all slip through before the first failure is written; a success gives
// the attempt back. recordLoginFailure alone counts nothing.
import { createHash } from 'node:crypto'
import { isIPv6 } from 'node:net'
import { RateLimiterPrisma, RateLimiterRes } from 'rate-limiter-flexible'
import type { Context } from '../generated/keystone/types'
import { DomainError } from './errors'

/** How fast the delay grows once the free failures are used up. */
export type DelayPolicy = { freeFailures: number, failuresPerDoubling: number }

export type LoginCheck = { allowed: true } | { allowed: false, retryAfterSeconds: number }

export type ThrottleKeys = { ip: string, ipAccount: string, account: string }

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

/**
 * Tell whether a sign-in may go on to the password check, without telling whether the email
 * is registered. Attempts refused while a block lasts write nothing, so hammering never
 * extends a block.
 */
export async function checkLoginAllowed (context: Context, who: { ip: string, email: string }): Promise<LoginCheck> {
  const store = storeFor(context.prisma)
  await sweepExpired(context.prisma, store)
  const keys = throttleKeys(who)

  const [ipBlock, ipAccountBlock, accountCount] = await Promise.all([
    store.blocks.get(keys.ip),
    store.blocks.get(keys.ipAccount),
    store.attempts.get(keys.account),
  ])
  const waits = [ipBlock?.msBeforeNext, ipAccountBlock?.msBeforeNext]
  if (accountCount && accountCount.consumedPoints >= ACCOUNT_CEILING) waits.push(accountCount.msBeforeNext)
  const blockedFor = longest(waits)
  if (blockedFor !== undefined) return refused(blockedFor)

  // counted before the password is checked: concurrent attempts each get their own number
  const [ip, ipAccount, account] = await Promise.all([
    store.attempts.penalty(keys.ip),
    store.attempts.penalty(keys.ipAccount),
    store.attempts.penalty(keys.account),
  ])
  const giveBack = () => Promise.all([keys.ip, keys.ipAccount, keys.account].map(key => store.attempts.reward(key)))
  if (account.consumedPoints > ACCOUNT_CEILING) {
    await giveBack()
    return refused(account.msBeforeNext)
  }

  // past the free failures an attempt must hold its block while it runs: of parallel attempts
  // only one goes on, and the block it holds is the one its failure would set anyway
  const locks = [
    { key: keys.ipAccount, seconds: delayForAttempts(ipAccount.consumedPoints, IP_ACCOUNT_POLICY) },
    { key: keys.ip, seconds: delayForAttempts(ip.consumedPoints, IP_POLICY) },
  ].filter(lock => lock.seconds > 0)
  const taken = await Promise.all(locks.map(lock => takeBlock(store.blocks, lock.key, lock.seconds)))
  const lost = taken.filter(result => result !== true)
  if (lost.length > 0) {
    const release = locks.filter((_, index) => taken[index] === true).map(lock => store.blocks.delete(lock.key))
    await Promise.all([giveBack(), ...release])
    return refused(longest(lost) ?? 0)
  }
  return { allowed: true }
}

/** Block the next attempt from the IP and from the IP and account, once past the free failures. */
export async function recordLoginFailure (context: Context, who: { ip: string, email: string }): Promise<void> {
  const store = storeFor(context.prisma)
  const keys = throttleKeys(who)
  // the failure was counted by checkLoginAllowed; the counts now may include parallel attempts,
  // which only makes the block longer
  const [ip, ipAccount] = await Promise.all([store.attempts.get(keys.ip), store.attempts.get(keys.ipAccount)])
  await Promise.all([
    setBlock(store.blocks, keys.ipAccount, delayForAttempts(ipAccount?.consumedPoints ?? 0, IP_ACCOUNT_POLICY)),
    setBlock(store.blocks, keys.ip, delayForAttempts(ip?.consumedPoints ?? 0, IP_POLICY)),
  ])
}

/**
 * Forget the IP-and-account failures, as Saleor does, give back the attempt counted against the
 * IP and the account, and release the blocks this attempt held. The IP's failures stay: signing
 * in to one's own account must not wipe what an IP did to other accounts.
 */
export async function recordLoginSuccess (context: Context, who: { ip: string, email: string }): Promise<void> {
  const store = storeFor(context.prisma)
  const keys = throttleKeys(who)
  await Promise.all([
    store.attempts.delete(keys.ipAccount),
    store.blocks.delete(keys.ipAccount),
    // the check refused while a failure's block stood, so what is released here is this
    // attempt's own lock, and the next user behind the same IP need not wait for it
    store.blocks.delete(keys.ip),
    store.attempts.reward(keys.ip),
    store.attempts.reward(keys.account),
  ])
}

/** The refusal for a throttled sign-in, on `email` as in Saleor, saying when to try again. */
export function loginDelayedError (retryAfterSeconds: number): DomainError {
  const seconds = Math.max(1, Math.ceil(retryAfterSeconds))
  const wait = seconds < 120 ? plural(seconds, 'second') : plural(Math.ceil(seconds / 60), 'minute')
  return new DomainError({
    field: 'email',
    code: 'LOGIN_ATTEMPT_DELAYED',
    message: `Too many failed sign-in attempts. Try again in ${wait}.`,
  })
}

/**
 * Give the seconds a key stays blocked after its `attempts`-th failure in a window: none for the
 * free failures, then 2 s, doubling every `failuresPerDoubling` failures, at most MAX_DELAY_SECONDS.
 */
export function delayForAttempts (attempts: number, policy: DelayPolicy = IP_ACCOUNT_POLICY): number {
  const over = attempts - policy.freeFailures
  if (!(over > 0)) return 0
  return Math.min(2 ** Math.ceil(over / policy.failuresPerDoubling), MAX_DELAY_SECONDS)
}

/**
 * Name the counters of a sign-in: its IP, its IP and account, its account. The email is
 * normalised as accounts store it, and every key is a SHA-256 hash, so no email or address is
 * kept in the table. An IPv6 client counts by its /64, the block one subscriber gets.
 */
export function throttleKeys (who: { ip: string, email: string }): ThrottleKeys {
  const ip = clientNetwork(who.ip)
  const email = who.email.trim().toLowerCase()
  return {
    ip: `ip:${sha256(`ip\n${ip}`)}`,
    ipAccount: `ip-account:${sha256(`ip-account\n${ip}\n${email}`)}`,
    account: `account:${sha256(`account\n${email}`)}`,
  }
}

type Store = {
  attempts: RateLimiterPrisma
  blocks: RateLimiterPrisma
  nextSweepAt: number
}

// the rate-limiter-flexible model as Prisma's client names it: the library reads client[tableName]
const MODEL = 'rateLimiterFlexible'
const SWEEP_INTERVAL_MS = 5 * 60_000
// as the library's own sweep: a row is removed an hour after it expired, so a process whose clock
// runs ahead (by less than that) never deletes a row another process still reads
const SWEEP_GRACE_MS = 3600_000

const stores = new WeakMap<object, Store>()

// Limiters live as long as their Prisma client. The library's own sweep is off: it would start a
// timer per limiter, firing every 5 minutes for the life of the process even after its client is
// disconnected; sweepExpired does that work on the sign-in path instead.
function storeFor (prisma: Context['prisma']): Store {
  let store = stores.get(prisma)
  if (!store) {
    const common = { storeClient: prisma, tableName: MODEL, clearExpiredByTimeout: false }
    store = {
      // counts only: read with get and moved with penalty and reward, which never refuse
      attempts: new RateLimiterPrisma({ ...common, keyPrefix: 'login-attempts', points: ACCOUNT_CEILING, duration: WINDOW_SECONDS }),
      // a live row is a block until its expiry; with 1 point a second consume of it is refused
      blocks: new RateLimiterPrisma({ ...common, keyPrefix: 'login-block', points: 1, duration: MAX_DELAY_SECONDS }),
      nextSweepAt: 0,
    }
    stores.set(prisma, store)
  }
  return store
}

// expired rows are already ignored by every read; this only keeps the table small
async function sweepExpired (prisma: Context['prisma'], store: Store): Promise<void> {
  const now = Date.now()
  if (now < store.nextSweepAt) return
  store.nextSweepAt = now + SWEEP_INTERVAL_MS
  try {
    await prisma.rateLimiterFlexible.deleteMany({ where: { expire: { lt: new Date(now - SWEEP_GRACE_MS) } } })
  } catch {
    // a failed sweep leaves the rows for the next one; the sign-in itself must not fail for it
  }
}

// true when this attempt now holds the block, else how many ms the holder keeps it
async function takeBlock (blocks: RateLimiterPrisma, key: string, seconds: number): Promise<true | number> {
  try {
    await blocks.consume(key, 1, { customDuration: seconds })
    return true
  } catch (error) {
    if (error instanceof RateLimiterRes) return error.msBeforeNext
    throw error
  }
}

async function setBlock (blocks: RateLimiterPrisma, key: string, seconds: number): Promise<void> {
  // never with 0 seconds: the store takes 0 to mean "forever"
  if (seconds > 0) await blocks.set(key, 1, seconds)
}

function refused (ms: number): LoginCheck {
  // a row without expiry (never written here) would read as -1: treat it as the longest block
  const seconds = ms < 0 ? MAX_DELAY_SECONDS : Math.max(1, Math.ceil(ms / 1000))
  return { allowed: false, retryAfterSeconds: seconds }
}

function longest (values: Array<number | undefined>): number | undefined {
  const present = values.filter((value): value is number => value !== undefined)
  return present.length > 0 ? Math.max(...present) : undefined
}

function plural (count: number, unit: string): string {
  return `${count} ${unit}${count === 1 ? '' : 's'}`
}

function sha256 (text: string): string {
  return createHash('sha256').update(text).digest('hex')
}

// One subscriber gets a whole IPv6 /64, so counting single addresses would give an attacker 2^64
// fresh counters; an IPv4 address written as IPv6 (::ffff:a.b.c.d) counts as that IPv4 address
export function clientNetwork (ip: string): string {
  const address = ip.trim().toLowerCase().replace(/%.*$/, '')
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(address)
  if (mapped?.[1]) return mapped[1]
  if (!isIPv6(address)) return address
  return `${ipv6Groups(address).slice(0, 4).join(':')}::/64`
}

// the eight 16-bit groups of a valid IPv6 address, without leading zeros
function ipv6Groups (address: string): string[] {
  let text = address
  const ipv4Tail = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text)
  if (ipv4Tail) {
    const [a, b, c, d] = ipv4Tail.slice(1).map(Number) as [number, number, number, number]
    text = `${text.slice(0, ipv4Tail.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`
  }
  const [head = '', tail] = text.split('::')
  const headGroups = head === '' ? [] : head.split(':')
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':')
  const groups = tail === undefined
    ? headGroups
    : [...headGroups, ...Array<string>(8 - headGroups.length - tailGroups.length).fill('0'), ...tailGroups]
  return groups.map(group => parseInt(group, 16).toString(16))
}
