// An error as drivers, Prisma and GraphQL hand it on: wrapped in `originalError`, `cause`, the
// driver adapter's `meta.driverAdapterError`, or an AggregateError's `errors`. Every decision about
// what an error "is" (a database out of reach, a request past its budget) walks it here.

/** Whether `test` holds for `error` or for anything it wraps (at most 20 objects are visited). */
export function someErrorInChain(error: unknown, test: (node: Record<string, unknown>) => boolean): boolean {
  const seen = new Set<unknown>()
  const queue: unknown[] = [error]
  while (queue.length > 0 && seen.size < 20) {
    const current = queue.shift()
    if (current === null || typeof current !== 'object' || seen.has(current)) continue
    seen.add(current)
    const node = current as Record<string, unknown>
    if (test(node)) return true
    const meta = node.meta && typeof node.meta === 'object' ? (node.meta as Record<string, unknown>) : undefined
    queue.push(node.originalError, node.cause, meta?.driverAdapterError)
    // AggregateError: a connection attempt on several addresses
    if (Array.isArray(node.errors)) queue.push(...node.errors)
  }
  return false
}
