// Keys of their own for each use of SESSION_SECRET, so no two uses ever share one (a sealed mail's
// key never signs a device proof): HKDF-SHA256 over the secret, one `purpose` label a use.
import { hkdfSync } from 'node:crypto'
import { env } from '../../env'

/** A 32-byte key for `purpose`, derived from SESSION_SECRET; the same purpose always gives the same key. */
export function keyFromSessionSecret(purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', env.sessionSecret, 'commerce-identity', purpose, 32))
}
