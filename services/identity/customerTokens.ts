// Customer API tokens (Openfront's regenerateCustomerToken): one per customer, shown once,
// recognisable by its prefix, stored only as SHA-256 (and judged on each request by
// strategies/customerToken.ts).
import { createHash, randomBytes } from 'node:crypto'
import type { Context } from '../../generated/keystone/types'
import { DomainError } from '../kernel'
import { isSessionAlive, readSessionState } from './userSessions'

export const CUSTOMER_TOKEN_PREFIX = 'ctk_'

export function isCustomerToken(token: string): boolean {
  return token.startsWith(CUSTOMER_TOKEN_PREFIX)
}

export function hashCustomerToken(token: string): string {
  return createHash('sha256').update(token).digest('hex')
}

/**
 * Issue a new token for a customer, replacing (and so revoking) the previous one. Asked from a
 * sign-in session (`from`, the mutation's caller), the write is conditional on the user's token key
 * still being the one that session is bound to: a credential change (a password change, sign out
 * everywhere) that commits while the request is in flight ends the session, and then no token is
 * minted that would outlive it (one that commits after the write clears the token with the rest).
 * Without `from`, a trusted caller's (seeds, tests): the user's key as it is.
 */
export async function regenerateCustomerToken(
  context: Context,
  userId: string,
  from?: { sessionId: string | undefined },
): Promise<string> {
  const user = await context.prisma.user.findUniqueOrThrow({ where: { id: userId } })
  if (user.isStaff) {
    throw new DomainError({
      field: null,
      code: 'INVALID',
      message: 'Customer API tokens are for customer accounts; staff sign in with their own credentials.',
    })
  }
  let boundKey = user.jwtTokenKey
  if (from) {
    const session = from.sessionId ? await readSessionState(context, from.sessionId) : null
    if (!session || !isSessionAlive(session, user.jwtTokenKey)) throw sessionEnded()
    boundKey = session.tokenKey
  }
  const token = `${CUSTOMER_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`
  const { count } = await context.prisma.user.updateMany({
    where: { id: userId, jwtTokenKey: boundKey },
    data: {
      customerTokenHash: hashCustomerToken(token),
      customerTokenIssuedAt: new Date(),
      customerTokenLastUsedAt: null,
    },
  })
  if (count !== 1) throw sessionEnded()
  return token
}

function sessionEnded(): DomainError {
  return new DomainError({
    field: null,
    code: 'JWT_INVALID_TOKEN',
    message: 'Your session has ended: sign in again.',
  })
}
