// One user's turn to send a link, held for the rest of a transaction, so that a check and the write
// it allows (no fresh reset link yet, then a new one) cannot both run in two requests at once.
import type { Context } from '../../generated/keystone/types'
import { isPostgres } from '../kernel'

// the first key of every per-user lock; scope.ts's one-key lock 727010 lives in another key space
const USER_LOCKS = 727011

/**
 * Take the user's lock until `tx` ends, without waiting: false when another transaction holds it
 * (a concurrent twin is sending), and the caller sends nothing. A PostgreSQL advisory lock, so it
 * conflicts with no row lock (token redemption holds a token and then the user's row) and a burst
 * of requests for one user holds no pool connection waiting. SQLite runs one write transaction at
 * a time already (database.ts), so a twin there finds the first one's link instead.
 */
export async function tryLockUser(tx: Context, userId: string): Promise<boolean> {
  if (!isPostgres(tx)) return true
  const [row] = await tx.prisma.$queryRaw<{ locked: boolean }[]>`
    SELECT pg_try_advisory_xact_lock(${USER_LOCKS}::int, hashtext(${userId})) AS "locked"`
  return row?.locked === true
}
