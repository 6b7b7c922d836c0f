// One transaction per change, also when a service is called from inside another's transaction.
import type { Context } from '../../generated/keystone/types'

/** Run `work` in a transaction, or in the caller's when `context` already belongs to one. */
export async function inTransaction<T>(context: Context, work: (tx: Context) => Promise<T>): Promise<T> {
  // a transaction's client has no $transaction of its own
  if (!('$transaction' in context.prisma)) return work(context)
  return context.transaction(work)
}
