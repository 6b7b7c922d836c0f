// Customer API tokens (Openfront's regenerateCustomerToken): one per customer, shown once,
// recognisable by its prefix, stored only as SHA-256 and found by that hash through a unique
// index, so a request costs one indexed lookup however many tokens exist.
import { createHash, randomBytes } from 'node:crypto'
import type { Context } from '../../generated/keystone/types'
import { DomainError } from '../kernel'
import { loadSessionUser, type SessionUser } from './sessions'

export const CUSTOMER_TOKEN_PREFIX = 'ctk_'

// last-use times are written at most this often, so a busy integration is not a write per request
const LAST_USED_RESOLUTION_MS = 60_000

export function isCustomerToken(token: string): boolean {
  return token.startsWith(CUSTOMER_TOKEN_PREFIX)
}

function hashCustomerToken(token: string): string {
  return createHash('sha256').update(token).digest('hex')
}

/** Issue a new token for a customer, replacing (and so revoking) the previous one. */
export async function regenerateCustomerToken(context: Context, userId: string): Promise<string> {
  const user = await context.prisma.user.findUniqueOrThrow({ where: { id: userId } })
  if (user.isStaff) {
    throw new DomainError({
      field: null,
      code: 'INVALID',
      message: 'Customer API tokens are for customer accounts; staff sign in with their own credentials.',
    })
  }
  const token = `${CUSTOMER_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`
  await context.prisma.user.update({
    where: { id: userId },
    data: {
      customerTokenHash: hashCustomerToken(token),
      customerTokenIssuedAt: new Date(),
      customerTokenLastUsedAt: null,
    },
  })
  return token
}

/**
 * The active customer a token belongs to, or null, read with its session in one statement;
 * records when the token was last used, at most once a minute.
 */
export async function customerOfToken(context: Context, token: string): Promise<SessionUser | null> {
  const user = await loadSessionUser(context, { customerTokenHash: hashCustomerToken(token) })
  if (!user || !user.isActive || user.isStaff) return null
  const now = Date.now()
  if (!user.customerTokenLastUsedAt || now - user.customerTokenLastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
    await context.prisma.user.update({ where: { id: user.id }, data: { customerTokenLastUsedAt: new Date(now) } })
  }
  return user
}
