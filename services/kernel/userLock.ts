// One user's turn to send or redeem a link, held for the rest of a transaction (PostgreSQL advisory
// locks, which conflict with no row lock). The rule: a transaction that sends a link or redeems one
// takes the user's lock before any row it then writes, so a sender and a redeemer of the same user
// run one after the other instead of each holding a row the other needs (a sender holds the quiet
// period's row and waits for the old token's; a redeemer holds the token's and waits for the quiet
// period's, or for the user's row under the sender's new foreign keys: a deadlock).
// SQLite runs one write transaction at a time already (database.ts).
import type { Context } from '../../generated/keystone/types'
import { isPostgres } from './sql'

// the first key of every per-user lock; scope.ts's one-key lock 727010 lives in another key space
const USER_LOCKS = 727011

/**
 * Take the user's lock until `tx` ends, without waiting: false when another transaction holds it
 * (a concurrent twin is sending, or the link is being redeemed), and the caller sends nothing; a
 * burst of requests for one user holds no pool connection waiting.
 */
export async function tryLockUser(tx: Context, userId: string): Promise<boolean> {
  if (!isPostgres(tx)) return true
  const [row] = await tx.prisma.$queryRaw<{ locked: boolean }[]>`
    SELECT pg_try_advisory_xact_lock(${USER_LOCKS}::int, hashtext(${userId})) AS "locked"`
  return row?.locked === true
}

/** Take the user's lock until `tx` ends, waiting for a sender that holds it to commit (a redemption). */
export async function lockUser(tx: Context, userId: string): Promise<void> {
  if (!isPostgres(tx)) return
  await tx.prisma.$queryRaw`SELECT pg_advisory_xact_lock(${USER_LOCKS}::int, hashtext(${userId}))::text AS "locked"`
}
