// Sealing: the one-time tokens an outbox mail links to are stored encrypted (AES-256-GCM), because
// staff read the outbox in the Admin UI and a readable token would let them act as the recipient.
// Only the outbox opens them, at send time. A sealed value that was altered in any way throws.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { keyFromSessionSecret } from '../kernel'

const VERSION = 'v1'
const IV_BYTES = 12
const TAG_BYTES = 16

// a key of its own, derived from SESSION_SECRET, so it never coincides with the cookie or JWT keys
const key = keyFromSessionSecret('outbox-sealed-secrets-v1')

/** Encrypt a map of secrets as `v1.<iv>.<tag>.<ciphertext>`, base64url; two seals of one map differ. */
export function sealSecrets(secrets: Record<string, string>): string {
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
export function openSecrets(sealed: string): Record<string, string> {
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
