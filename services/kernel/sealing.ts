// Sealing: secrets the server must read back later are stored encrypted (AES-256-GCM), each use
// under a key of its own derived from SESSION_SECRET: the one-time tokens an outbox mail links to
// (staff read the outbox in the Admin UI, and a readable token would let them act as the
// recipient; only the outbox opens them, at send time), and TOTP secrets (services/identity/totp.ts).
// A sealed value that was altered in any way, or sealed for another use, throws.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { keyFromSessionSecret } from './secretKeys'

const VERSION = 'v1'
const IV_BYTES = 12
const TAG_BYTES = 16

// each use's key of its own, derived from SESSION_SECRET, so it never coincides with the cookie or JWT keys
export const SEALING_PURPOSES = {
  outbox: 'outbox-sealed-secrets-v1',
  totp: 'totp-secret-v1',
  // an OpenID Connect sign-in's PKCE code verifier and nonce, kept in its EXTERNAL_SIGN_IN challenge
  externalSignIn: 'external-sign-in-v1',
} as const
export type SealingPurpose = keyof typeof SEALING_PURPOSES
const keys = new Map<SealingPurpose, Buffer>()
function keyOf(purpose: SealingPurpose): Buffer {
  let key = keys.get(purpose)
  if (!key) keys.set(purpose, (key = keyFromSessionSecret(SEALING_PURPOSES[purpose])))
  return key
}

/** Encrypt a map of secrets as `v1.<iv>.<tag>.<ciphertext>`, base64url; two seals of one map differ. */
export function sealSecrets(secrets: Record<string, string>, purpose: SealingPurpose = 'outbox'): string {
  const key = keyOf(purpose)
  const iv = randomBytes(IV_BYTES)
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES })
  // the version is authenticated too, so a sealed value cannot be relabelled as another format
  cipher.setAAD(Buffer.from(VERSION))
  const ciphertext = Buffer.concat([cipher.update(JSON.stringify(secrets), 'utf8'), cipher.final()])
  return [VERSION, iv, cipher.getAuthTag(), ciphertext]
    .map(part => (typeof part === 'string' ? part : part.toString('base64url')))
    .join('.')
}

/** Decrypt what sealSecrets produced; throws on any other input, a tampered one included. */
export function openSecrets(sealed: string, purpose: SealingPurpose = 'outbox'): Record<string, string> {
  const key = keyOf(purpose)
  const [version, iv, tag, ciphertext, ...rest] = sealed.split('.')
  if (version !== VERSION || iv === undefined || tag === undefined || ciphertext === undefined || rest.length > 0) {
    throw new Error('sealed secrets: unknown format')
  }
  const ivBytes = Buffer.from(iv, 'base64url')
  const tagBytes = Buffer.from(tag, 'base64url')
  if (ivBytes.length !== IV_BYTES || tagBytes.length !== TAG_BYTES) throw new Error('sealed secrets: unknown format')

  const decipher = createDecipheriv('aes-256-gcm', key, ivBytes, { authTagLength: TAG_BYTES })
  decipher.setAAD(Buffer.from(VERSION))
  decipher.setAuthTag(tagBytes)
  let plaintext: string
  try {
    plaintext = Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString(
      'utf8',
    )
  } catch {
    // the message names no key material: it may end up in the outbox's lastError
    throw new Error('sealed secrets: authentication failed (tampered, or sealed with another SESSION_SECRET)')
  }
  return toStringMap(JSON.parse(plaintext))
}

function toStringMap(value: unknown): Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('sealed secrets: not a map')
  const entries = Object.entries(value)
  if (!entries.every(([, item]) => typeof item === 'string')) throw new Error('sealed secrets: not a map of strings')
  return Object.fromEntries(entries) as Record<string, string>
}
