// The time budget of the request being served: a deadline entered once per GraphQL request by the
// HTTP edge (server/http.ts) and read by the database adapters (database.ts), which start no
// statement and commit no transaction once it has passed, and on PostgreSQL cancel a statement
// still running when it passes. Outside a request (workers, scripts, tests' own contexts) there is
// no deadline and nothing here applies. Imports nothing: database.ts reads this leaf directly.
import { AsyncLocalStorage } from 'node:async_hooks'
import { someErrorInChain } from './errorChain'

type Budget = { deadline: number; budgetMs: number }

const budgets = new AsyncLocalStorage<Budget>()

export const REQUEST_TIMEOUT = 'REQUEST_TIMEOUT'

/** Refusal of work asked for after the request's budget was spent. */
export class RequestTimeoutError extends Error {
  readonly code = REQUEST_TIMEOUT
  constructor(budgetMs: number) {
    // the code leads the message: wrappers that keep only the text (Prisma's) still carry it
    super(`${REQUEST_TIMEOUT}: the request ran longer than its ${budgetMs} ms budget and was stopped`)
    this.name = 'RequestTimeoutError'
  }
}

/** Run `work` (and everything it starts) under a budget of `budgetMs` from now. */
export function runWithinBudget<T>(budgetMs: number, work: () => T): T {
  return budgets.run({ deadline: Date.now() + budgetMs, budgetMs }, work)
}

/**
 * Run `work` outside any request's budget: shared background work (the delivery workers) that a
 * request only kicks must not inherit that request's deadline, nor stop when it passes.
 */
export function outsideRequestBudget<T>(work: () => T): T {
  return budgets.exit(work)
}

/** Milliseconds left to the current request (negative once spent), or undefined outside one. */
export function budgetLeftMs(): number | undefined {
  const budget = budgets.getStore()
  return budget ? budget.deadline - Date.now() : undefined
}

/** Throw RequestTimeoutError when the current request's budget is spent. */
export function assertWithinBudget(): void {
  const budget = budgets.getStore()
  if (budget && Date.now() >= budget.deadline) throw new RequestTimeoutError(budget.budgetMs)
}

// PostgreSQL's query_canceled (a statement_timeout), Prisma's transaction API errors (a transaction
// that expired or could not start in time)
const TIMEOUT_CODES = new Set(['57014', 'P2028'])
// the same, where a wrapper kept only the text: ours, and Prisma's words for P2028
const TIMEOUT_MESSAGES = new RegExp(`${REQUEST_TIMEOUT}: the request ran longer|Transaction API error`)

/**
 * Whether `error`, or anything it wraps, is a request stopped by its budget: our own refusal, a
 * statement PostgreSQL cancelled, or a transaction Prisma let expire.
 */
export function isRequestTimeout(error: unknown): boolean {
  return someErrorInChain(error, ({ name, code, originalCode, message }) => {
    if (name === 'RequestTimeoutError') return true
    if (typeof code === 'string' && TIMEOUT_CODES.has(code)) return true
    if (typeof originalCode === 'string' && TIMEOUT_CODES.has(originalCode)) return true
    return typeof message === 'string' && TIMEOUT_MESSAGES.test(message)
  })
}
