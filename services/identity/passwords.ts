// Password hashing: argon2id at OWASP's parameters for every new hash, with bcrypt hashes
// from older stores still accepted (Keystone's default KDF) so they can be re-hashed at login.
import { type Algorithm, hash as argon2Hash, verify as argon2Verify } from '@node-rs/argon2'
import bcrypt from 'bcryptjs'

// OWASP Password Storage Cheat Sheet: argon2id, m=19 MiB, t=2, p=1
// Algorithm.Argon2id is an ambient const enum (2), which isolated modules cannot read
const ARGON2_OPTIONS = { algorithm: 2 as Algorithm, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const

export async function hashPassword(password: string): Promise<string> {
  return argon2Hash(password, ARGON2_OPTIONS)
}

/** Compare a password with a stored hash of either family; any malformed hash compares false. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  try {
    if (stored.startsWith('$argon2')) return await argon2Verify(stored, password)
    if (/^\$2[aby]\$/.test(stored)) return await bcrypt.compare(password, stored)
  } catch {
    return false
  }
  return false
}

/** Tell whether a stored hash should be replaced by a fresh argon2id one. */
export function needsRehash(stored: string): boolean {
  return !stored.startsWith('$argon2id$v=19$m=19456,t=2,p=1$')
}

// the KDF handed to Keystone's password field, so generated mutations hash the same way
export const passwordKdf = { hash: hashPassword, compare: verifyPassword }
