// Challenges of the sign-ins that take more than one request (API.md §9): a password sign-in
// waiting for its second factor (MFA_SIGN_IN), and the WebAuthn challenges of a passkey
// registration or sign-in. Each is 256 random bits, stored only as SHA-256, bound to one purpose
// (and, where known, one user), lives CHALLENGE_TTL_SECONDS, is judged at most
// MAX_CHALLENGE_FAILURES times, and is spent by one conditional write, so two concurrent answers cannot both
// succeed, in one process or several. Dead rows are deleted by the sessions worker.
import { createHash, randomBytes } from 'node:crypto'
import type { Context } from '../../generated/keystone/types'

export const CHALLENGE_PURPOSES = [
  'MFA_SIGN_IN',
  'PASSKEY_REGISTRATION',
  'PASSKEY_SIGN_IN',
  'EXTERNAL_SIGN_IN',
] as const
export type ChallengePurpose = (typeof CHALLENGE_PURPOSES)[number]

// API.md §9: a challenge lives 5 minutes and dies after 5 wrong codes
export const CHALLENGE_TTL_SECONDS = 300
export const MAX_CHALLENGE_FAILURES = 5
// the longest challenge a client may present: anything longer is no challenge of ours
const MAX_CHALLENGE_LENGTH = 200
// how many dead challenges one pass of the worker deletes
export const CHALLENGE_SWEEP_BATCH = 500

export type LiveChallenge = {
  id: string
  userId: string | null
  payload: Record<string, unknown>
  failures: number
  expiresAt: Date
}

function hashChallenge(challenge: string): string {
  return createHash('sha256').update(challenge).digest('hex')
}

/** A new random challenge, base64url: what issueChallenge stores when not given one. */
export function newChallenge(): string {
  return randomBytes(32).toString('base64url')
}

/**
 * Store a challenge for `purpose` and answer it in clear, once. `challenge` is the caller's own
 * (a WebAuthn options object's, made by newChallenge) or a new one.
 */
export async function issueChallenge(
  context: Context,
  args: { purpose: ChallengePurpose; userId?: string; payload?: Record<string, unknown>; challenge?: string },
): Promise<{ challenge: string; expiresAt: Date }> {
  const challenge = args.challenge ?? newChallenge()
  const createdAt = new Date()
  const expiresAt = new Date(createdAt.getTime() + CHALLENGE_TTL_SECONDS * 1000)
  await context.prisma.authChallenge.create({
    data: {
      challengeHash: hashChallenge(challenge),
      purpose: args.purpose,
      userId: args.userId ?? null,
      payload: (args.payload ?? {}) as object,
      createdAt,
      expiresAt,
    },
  })
  return { challenge, expiresAt }
}

/**
 * The challenge as stored, while it is good: of this purpose, unspent, unexpired, and with fewer
 * than MAX_CHALLENGE_FAILURES wrong answers. Anything else, a malformed string included, is null:
 * the caller answers every such case alike.
 */
export async function liveChallenge(
  context: Context,
  challenge: string,
  purpose: ChallengePurpose,
): Promise<LiveChallenge | null> {
  if (typeof challenge !== 'string' || challenge.length === 0 || challenge.length > MAX_CHALLENGE_LENGTH) return null
  const row = await context.prisma.authChallenge.findUnique({ where: { challengeHash: hashChallenge(challenge) } })
  if (!row || row.purpose !== purpose || row.usedAt || row.expiresAt <= new Date()) return null
  if (row.failures >= MAX_CHALLENGE_FAILURES) return null
  return {
    id: row.id,
    userId: row.userId,
    payload: (row.payload ?? {}) as Record<string, unknown>,
    failures: row.failures,
    expiresAt: row.expiresAt,
  }
}

/**
 * Spend a challenge: true for the one caller whose conditional write took it, false for every
 * other. An answer that took one of the challenge's attempts (takeChallengeAttempt) may spend it
 * with the attempt that reached the limit.
 */
export async function spendChallenge(context: Context, id: string): Promise<boolean> {
  const { count } = await context.prisma.authChallenge.updateMany({
    where: { id, usedAt: null, failures: { lte: MAX_CHALLENGE_FAILURES }, expiresAt: { gt: new Date() } },
    data: { usedAt: new Date() },
  })
  return count === 1
}

/**
 * Take one of a challenge's MAX_CHALLENGE_FAILURES attempts before its answer is judged: true while
 * one is left. Counted by one conditional write, so of answers sent at once (several processes
 * included) no more than the limit are ever judged; a right answer then spends the challenge.
 */
export async function takeChallengeAttempt(context: Context, id: string): Promise<boolean> {
  const { count } = await context.prisma.authChallenge.updateMany({
    where: { id, usedAt: null, failures: { lt: MAX_CHALLENGE_FAILURES }, expiresAt: { gt: new Date() } },
    data: { failures: { increment: 1 } },
  })
  return count === 1
}

/** Delete one batch of spent or expired challenges; answers how many went. */
export async function deleteDeadChallenges(context: Context, now = new Date()): Promise<number> {
  const dead = await context.prisma.authChallenge.findMany({
    where: { OR: [{ expiresAt: { lte: now } }, { usedAt: { not: null } }] },
    select: { id: true },
    take: CHALLENGE_SWEEP_BATCH,
  })
  if (dead.length === 0) return 0
  const { count } = await context.prisma.authChallenge.deleteMany({ where: { id: { in: dead.map(row => row.id) } } })
  return count
}
