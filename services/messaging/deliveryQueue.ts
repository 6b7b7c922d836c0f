// The delivery queue shared by the mail outbox and webhook deliveries: rows are written in the
// caller's transaction and delivered after commit by a worker that claims each due row with a
// conditional update holding a lease, and retries a failure with capped exponential backoff.
// Owns: at most one sender per row across processes, the worker's own short transactions on
// SQLite's single connection, never two overlapping runs, and error text that holds no secret.
import type { Context } from '../../generated/keystone/types'
import { outsideRequestBudget } from '../kernel'

export type QueueWorker = { stop: () => Promise<void>; kick: () => void }

// a claimed row belongs to its sender this long; each sender's timeouts end a stalled send well
// before, so a lease runs out only when its sender died, and the row is then claimed again
export const LEASE_MS = 60_000
export const MAX_BACKOFF_MS = 15 * 60_000
const MAX_ERROR_LENGTH = 300

// WARNING: Prisma's SQLite adapter (better-sqlite3) has one connection: a statement sent outside a
// transaction while a request's transaction is open runs inside it, sees its uncommitted rows and
// is undone by its rollback. So the worker reads and writes only in short transactions of its own,
// which wait for any open one to end (on PostgreSQL this costs a BEGIN and a COMMIT).
// (a transaction of its own, not a unit of work: it queues nothing for anyone to wake)
export async function isolated<T>(context: Context, work: (prisma: Context['prisma']) => Promise<T>): Promise<T> {
  return context.transaction(tx => work(tx.prisma))
}

/** The rows a sender may claim: due and pending, or left in 'sending' by a sender whose lease ran out (it crashed mid-send). */
export function claimable(now: Date) {
  return {
    OR: [
      { status: 'pending', OR: [{ nextAttemptAt: { lte: now } }, { nextAttemptAt: null }] },
      { status: 'sending', OR: [{ lockedUntil: { lt: now } }, { lockedUntil: null }] },
    ],
  }
}

/** The delay before the next attempt: 2 s, 4 s, 8 s … (from baseMs) up to 15 minutes, ±10 %. */
export function backoff(attempts: number, baseMs: number, random: () => number = Math.random): number {
  const exponential = Math.min(MAX_BACKOFF_MS, baseMs * 2 ** Math.min(attempts - 1, 30))
  // the jitter keeps rows that failed together from retrying together
  return Math.round(exponential * (0.9 + random() * 0.2))
}

/**
 * Run `pass` every intervalMs, and at once on kick(), never two at a time. A pass answers true
 * when it filled its batch, which asks for another run straight away.
 */
export function startPolling(label: string, intervalMs: number, pass: () => Promise<boolean>): QueueWorker {
  let inFlight: Promise<void> | undefined
  let again = false
  let stopped = false
  // a kick during a run asks for one more, since that run may have looked before the commit
  const run = (queue: boolean): void => {
    if (stopped) return
    if (inFlight) {
      again ||= queue
      return
    }
    // a kick comes from inside a request: the run is the worker's own, not bound by that request's budget
    inFlight = outsideRequestBudget(pass)
      .then(
        full => {
          again ||= full
        },
        error => {
          console.error(`${label}: delivery run failed: ${firstLine(error)}`)
        },
      )
      .finally(() => {
        inFlight = undefined
        if (again) {
          again = false
          run(true)
        }
      })
  }
  const timer = setInterval(() => run(false), intervalMs)
  timer.unref()
  run(true)

  return {
    kick: () => run(true),
    async stop() {
      stopped = true
      clearInterval(timer)
      while (inFlight) await inFlight
    },
  }
}

/** A short error text, scrubbed of every secret, as typed or URL-encoded, in case a server echoes it back. */
export function describeError(error: unknown, secrets: Iterable<string>): string {
  const code = (error as { code?: unknown })?.code
  let text = `${typeof code === 'string' ? `${code}: ` : ''}${firstLine(error)}`
  for (const value of [...secrets].filter(Boolean)) {
    for (const form of [value, encodeURIComponent(value)]) text = text.split(form).join('[secret]')
  }
  return text.slice(0, MAX_ERROR_LENGTH)
}

export function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error)
  return message.split('\n', 1)[0] ?? ''
}
