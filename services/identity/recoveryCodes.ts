// Recovery codes: ten one-time codes a user with TOTP keeps for the day its phone is lost. Each is
// `xxxxx-xxxxx` from an alphabet without look-alikes (no 0/o, 1/l/i), about 49 random bits, shown
// once and stored only as an HMAC-SHA256 of its owner's id and its normal form (lower case, without
// dashes and spaces), keyed by a key of its own derived from SESSION_SECRET: 49 bits are few
// enough to search for an unkeyed hash, so a copy of the table alone must not give the codes. A
// user may type a code in any case and with or without the dash. A code is spent by one
// conditional write (usedAt from null), so two requests with one code cannot both succeed.
import { createHmac, randomInt } from 'node:crypto'
import { keyFromSessionSecret } from '../kernel'
import type { Context } from '../../generated/keystone/types'

export const RECOVERY_CODE_COUNT = 10
const ALPHABET = '23456789abcdefghjkmnpqrstuvwxyz'
const GROUP = 5
const LENGTH = 2 * GROUP

function newRecoveryCode(): string {
  let code = ''
  for (let i = 0; i < LENGTH; i++) code += ALPHABET[randomInt(ALPHABET.length)]
  return `${code.slice(0, GROUP)}-${code.slice(GROUP)}`
}

/** A recovery code as typed, in its normal form, or null when it cannot be one. */
export function normalizeRecoveryCode(code: string): string | null {
  const normal = code.replace(/[\s-]/g, '').toLowerCase()
  if (normal.length !== LENGTH) return null
  for (const char of normal) if (!ALPHABET.includes(char)) return null
  return normal
}

const key = keyFromSessionSecret('recovery-codes-v1')

function hashRecoveryCode(userId: string, normal: string): string {
  return createHmac('sha256', key).update(`${userId}\n${normal}`).digest('hex')
}

/** Replace every recovery code of a user with ten new ones; answers them in clear, once. */
export async function replaceRecoveryCodes(context: Context, userId: string): Promise<string[]> {
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode)
  await context.prisma.recoveryCode.deleteMany({ where: { userId } })
  const createdAt = new Date()
  await context.prisma.recoveryCode.createMany({
    data: codes.map(code => ({ userId, codeHash: hashRecoveryCode(userId, normalizeRecoveryCode(code)!), createdAt })),
  })
  return codes
}

/** Delete every recovery code of a user (TOTP turned off, the user removed). */
export async function deleteRecoveryCodes(context: Context, userId: string): Promise<void> {
  await context.prisma.recoveryCode.deleteMany({ where: { userId } })
}

/** Spend one of the user's unused recovery codes (normal form): true once, for the one request whose write took it. */
export async function spendRecoveryCode(context: Context, userId: string, normal: string): Promise<boolean> {
  const { count } = await context.prisma.recoveryCode.updateMany({
    where: { userId, codeHash: hashRecoveryCode(userId, normal), usedAt: null },
    data: { usedAt: new Date() },
  })
  return count > 0
}

/** How many unused recovery codes a user has: one count query. */
export async function recoveryCodesLeft(context: Context, userId: string): Promise<number> {
  return context.prisma.recoveryCode.count({ where: { userId, usedAt: null } })
}
