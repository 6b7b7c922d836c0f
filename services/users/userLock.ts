// One user's row held for the rest of a transaction, so that a check and the write it allows (no
// fresh reset link yet, then a new one) cannot both run in two requests at once.
import type { Context } from '../../generated/keystone/types'
import { isPostgres } from '../kernel'

/**
 * Lock the user's row until `tx` ends; a concurrent twin waits here, then reads what the first
 * wrote. SQLite runs one write transaction at a time already (database.ts). Callers that also
 * judge staff scope judge first: the scope lock is always taken before a user's row.
 */
export async function lockUserRow(tx: Context, userId: string): Promise<void> {
  if (!isPostgres(tx)) return
  await tx.prisma.$queryRaw`SELECT 1 FROM "User" WHERE "id" = ${userId} FOR UPDATE`
}
