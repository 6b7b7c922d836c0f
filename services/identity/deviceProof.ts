// Device proofs (OWASP's "device cookies" against brute force): every successful sign-in leaves the
// client a proof that it signed in to this account here, bound to the user id, with its own random
// id and an expiry, signed with a key derived from SESSION_SECRET. A later sign-in that presents a
// valid proof for the account it signs in to is not held by the lockouts anonymous guesses can
// cause (the account's and its networks' ceilings, services/identity/throttle.ts); its own
// failures still count against it. The proof authenticates nothing by itself: the password is
// checked as always.
import { createHmac, randomBytes } from 'node:crypto'
import { keyFromSessionSecret } from '../kernel'
import { isSameSecret } from './sameSecret'

// a "recent" sign-in on this device: refreshed by each sign-in, so a device in use keeps it
export const DEVICE_PROOF_TTL_SECONDS = 30 * 24 * 60 * 60
// one cookie per account a browser has signed in to, named after the account without naming it
export const DEVICE_COOKIE_PREFIX = 'device-'

/** A proof to hand to the client: its cookie's name, value and lifetime. */
export type DeviceProof = { name: string; value: string; maxAgeSeconds: number }

/** The id of a device whose proof was checked: only verifiedDevice makes one. */
export type VerifiedDevice = string & { readonly verifiedDevice: unique symbol }

const key = keyFromSessionSecret('device-proof-v1')

/** The cookie name under which a client keeps its proof for this user. */
export function deviceCookieName(userId: string): string {
  return `${DEVICE_COOKIE_PREFIX}${mac(`name\n${userId}`).slice(0, 16)}`
}

/** Mint a proof that this client has just signed in to `userId`. */
export function issueDeviceProof(userId: string, now = Date.now()): DeviceProof {
  const expires = Math.floor(now / 1000) + DEVICE_PROOF_TTL_SECONDS
  const device = randomBytes(16).toString('base64url')
  return {
    name: deviceCookieName(userId),
    value: `${expires}.${device}.${mac(`proof\n${userId}\n${expires}\n${device}`)}`,
    maxAgeSeconds: DEVICE_PROOF_TTL_SECONDS,
  }
}

/**
 * The device id of a proof that is valid for `userId` now, or undefined: a proof minted for
 * another user, expired, altered or malformed proves nothing.
 */
export function verifiedDevice(
  userId: string,
  value: string | undefined,
  now = Date.now(),
): VerifiedDevice | undefined {
  if (!value || value.length > 200) return undefined
  const match = /^(\d{1,12})\.([A-Za-z0-9_-]{16,64})\.([A-Za-z0-9_-]{43})$/.exec(value)
  if (!match) return undefined
  const [, expires, device, signature] = match as unknown as [string, string, string, string]
  if (!isSameSecret(signature, mac(`proof\n${userId}\n${expires}\n${device}`))) return undefined
  if (Number(expires) * 1000 <= now) return undefined
  return device as VerifiedDevice
}

function mac(text: string): string {
  return createHmac('sha256', key).update(text).digest('base64url')
}
