// Where we may send a server-side request for a user: https only (plain http to an internal
// host outside production, for development), and in production never a host that points back
// inside, or a profile setting becomes SSRF. The URL is judged as written here (scheme,
// credentials, IP literals, internal names), again where it resolves at save time when DNS
// answers (assertSafeWebhookTarget), and for real at connect time (outboundAddress.safeLookup),
// the only check a rebinding name cannot dodge.
import { isIP } from 'node:net'
import { env } from '../../env'
import { DomainError } from '../kernel'
import {
  TargetRefusedError,
  isInternalName,
  isPublicAddress,
  resolvePublicAddresses,
  resolveWithSystem,
  type Resolver,
} from './outboundAddress'

export { isPublicAddress } from './outboundAddress'

export type WebhookUrlOptions = {
  /** whether the production rules apply; defaults to NODE_ENV */
  production?: boolean
}

export type WebhookTargetOptions = WebhookUrlOptions & {
  resolve?: Resolver
  /** how long the save-time resolution may take before it is given up (and the URL let through) */
  timeoutMs?: number
}

const INTERNAL_MESSAGE = 'The URL must not point to a private, loopback or link-local address.'
const RESOLVES_INSIDE_MESSAGE = "The URL's host resolves to a private, loopback or link-local address."
const SAVE_TIME_RESOLUTION_MS = 2_000

/** Check a URL that the server will call on a user's behalf, as written; gives it back normalised. */
export function assertSafeWebhookUrl(
  value: string,
  field: string,
  { production = env.isProduction }: WebhookUrlOptions = {},
): string {
  const invalid = (message: string) => new DomainError({ field, code: 'INVALID', message })
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw invalid('Enter a valid URL.')
  }
  if (url.username || url.password) throw invalid('The URL must not carry credentials.')
  const internal = isInternalHost(url.hostname)
  if (url.protocol === 'http:') {
    if (production || !internal)
      throw invalid('The URL must use https (plain http is allowed only for localhost in development).')
  } else if (url.protocol !== 'https:') {
    throw invalid('The URL must use https.')
  }
  if (production && internal) throw invalid(INTERNAL_MESSAGE)
  return url.toString()
}

/**
 * assertSafeWebhookUrl, then, in production, where the host resolves now: refused if any answer
 * is internal. Best effort: a name that does not resolve (yet, or not from here) is let through,
 * since the check at connect time is the one that counts and a rebinding name passes this one.
 */
export async function assertSafeWebhookTarget(
  value: string,
  field: string,
  {
    production = env.isProduction,
    resolve = resolveWithSystem,
    timeoutMs = SAVE_TIME_RESOLUTION_MS,
  }: WebhookTargetOptions = {},
): Promise<string> {
  const normalised = assertSafeWebhookUrl(value, field, { production })
  const hostname = new URL(normalised).hostname
  if (!production || isIP(hostname.replace(/^\[|\]$/g, '')) !== 0) return normalised
  let timer: NodeJS.Timeout | undefined
  try {
    await Promise.race([
      resolvePublicAddresses(hostname, { resolve }),
      new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => reject(new Error('resolution timed out')), timeoutMs)
      }),
    ])
  } catch (error) {
    if (error instanceof TargetRefusedError)
      throw new DomainError({ field, code: 'INVALID', message: RESOLVES_INSIDE_MESSAGE })
  } finally {
    clearTimeout(timer)
  }
  return normalised
}

// an IP literal by its address (the URL parser has already turned '0x7f.1' and '127.0.0.1.'
// into '127.0.0.1'), a name by its spelling
function isInternalHost(hostname: string): boolean {
  const bare = hostname.replace(/^\[|\]$/g, '')
  return isIP(bare) !== 0 ? !isPublicAddress(bare) : isInternalName(bare)
}
