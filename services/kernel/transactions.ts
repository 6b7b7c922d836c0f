// The unit of work: one transaction per change, also when a service is called from inside another's
// transaction, and what a change queued (a mail, a webhook delivery) is announced to its worker only
// once the outermost transaction has committed (Saleor's transaction.on_commit). Services never wake
// a worker themselves: the outbox and the webhooks ask for it with afterCommit when they write.
import { AsyncLocalStorage } from 'node:async_hooks'
import type { Context } from '../../generated/keystone/types'

// the wake-ups the open unit collected, one each however many rows asked
const openUnit = new AsyncLocalStorage<Set<() => void>>()

/**
 * Run `work` in a transaction, or in the caller's when `context` already belongs to one. After the
 * outermost commit, wake what the work queued; a rollback wakes nothing.
 */
export async function inTransaction<T>(context: Context, work: (tx: Context) => Promise<T>): Promise<T> {
  // a transaction's client has no $transaction of its own: the caller's unit collects
  if (!('$transaction' in context.prisma)) return work(context)
  const wakes = new Set<() => void>()
  const result = await openUnit.run(wakes, () => context.transaction(work))
  for (const wake of wakes) wake()
  return result
}

/**
 * Call `wake` once the write just made is visible to other connections: after the open unit's
 * commit, or at once when the write was made outside any unit (and so committed by itself).
 */
export function afterCommit(wake: () => void): void {
  const wakes = openUnit.getStore()
  if (wakes) wakes.add(wake)
  else wake()
}
