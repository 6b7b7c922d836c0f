// The one comparison of a presented secret with the expected one (token keys, cookie fingerprints,
// customer token hashes, CSRF tokens, device proofs): in constant time, since a comparison that
// stops at the first differing character tells an attacker, by its timing, how much of a guess
// was right. Lengths are not secret: every key compared here has a fixed length.
import { timingSafeEqual } from 'node:crypto'

/** Whether two secrets are the same, in time that does not depend on where they differ. */
export function isSameSecret(given: string, expected: string): boolean {
  const left = Buffer.from(given)
  const right = Buffer.from(expected)
  return left.length === right.length && timingSafeEqual(left, right)
}
