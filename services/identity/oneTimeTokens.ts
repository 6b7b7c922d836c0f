// One-time tokens: 256 random bits, stored only as SHA-256, bound to one purpose and one user,
// single use, short-lived, and cancelled by a newer token of the same purpose.
import { createHash, randomBytes } from 'node:crypto'
import type { Context } from '../../generated/keystone/types'
import { DomainError, lockUser } from '../kernel'

export const TOKEN_PURPOSES = ['ACCOUNT_CONFIRMATION', 'PASSWORD_RESET', 'EMAIL_CHANGE', 'ACCOUNT_DELETION'] as const

export type TokenPurpose = (typeof TOKEN_PURPOSES)[number]

const HOUR = 60 * 60

// how long each kind of link works
export const TOKEN_TTL_SECONDS: Record<TokenPurpose, number> = {
  ACCOUNT_CONFIRMATION: 72 * HOUR,
  PASSWORD_RESET: HOUR,
  EMAIL_CHANGE: HOUR,
  ACCOUNT_DELETION: HOUR,
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex')
}

/**
 * Issue a token for this user and purpose, cancelling any older unused one; gives the plain token
 * once. `sentTo` is the address the link is mailed to, kept with it: redeeming the link proves
 * that mailbox, and only while the user still has that address (services/users/emailProof.ts); a
 * link issued without it proves nothing.
 */
export async function issueOneTimeToken(
  context: Context,
  args: { userId: string; purpose: TokenPurpose; sentTo?: string; payload?: Record<string, string> },
): Promise<string> {
  const token = randomBytes(32).toString('base64url')
  const now = new Date()
  await context.prisma.oneTimeToken.deleteMany({ where: { userId: args.userId, purpose: args.purpose, usedAt: null } })
  await context.prisma.oneTimeToken.create({
    data: {
      tokenHash: hashToken(token),
      purpose: args.purpose,
      userId: args.userId,
      payload: { ...args.payload, ...(args.sentTo ? { sentTo: args.sentTo } : {}) },
      createdAt: now,
      expiresAt: new Date(now.getTime() + TOKEN_TTL_SECONDS[args.purpose] * 1000),
    },
  })
  return token
}

/**
 * Redeem a token: it must exist, be unused and unexpired, and match the purpose and user.
 * Marks it used in one conditional write, so two concurrent redemptions cannot both succeed.
 * Every failure is the same INVALID answer: a caller learns nothing about which check failed.
 */
export async function redeemOneTimeToken(
  context: Context,
  args: { token: string; purpose: TokenPurpose; userId?: string; field?: string },
): Promise<{ userId: string; payload: Record<string, string> }> {
  const invalid = new DomainError({
    field: args.field ?? 'token',
    code: 'INVALID',
    message: 'The token is invalid or has expired.',
  })
  if (!args.token || args.token.length > 200) throw invalid
  const now = new Date()
  const tokenHash = hashToken(args.token)
  const row = await context.prisma.oneTimeToken.findUnique({ where: { tokenHash } })
  if (!row || !row.userId || row.purpose !== args.purpose || row.usedAt || row.expiresAt <= now) throw invalid
  if (args.userId !== undefined && row.userId !== args.userId) throw invalid
  // the user's lock before the token's row: a sender of a new link (mailOneTimeLink) takes it first too
  await lockUser(context, row.userId)
  const claimed = await context.prisma.oneTimeToken.updateMany({
    where: { id: row.id, usedAt: null },
    data: { usedAt: now },
  })
  if (claimed.count !== 1) throw invalid
  return { userId: row.userId, payload: (row.payload ?? {}) as Record<string, string> }
}
