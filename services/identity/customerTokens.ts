// Customer API tokens (Openfront's regenerateCustomerToken): one per customer, shown once,
// recognisable by its prefix, stored only as SHA-256 (and judged on each request by
// strategies/customerToken.ts).
import { createHash, randomBytes } from 'node:crypto'
import type { Context } from '../../generated/keystone/types'
import { DomainError } from '../kernel'

export const CUSTOMER_TOKEN_PREFIX = 'ctk_'

export function isCustomerToken(token: string): boolean {
  return token.startsWith(CUSTOMER_TOKEN_PREFIX)
}

export function hashCustomerToken(token: string): string {
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
