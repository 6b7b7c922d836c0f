// What TRUST_PROXY means (API.md §1): off, how many proxies stand in front (a hop count), or a
// comma list of the proxies' addresses. Parsed once by env.ts into the trust function of
// `proxy-addr` (Express's own implementation), which services/kernel/clientIp.ts applies to each request.
// Pure: no env, so env.ts can import it and tests can call it with any value.
import proxyaddr from 'proxy-addr'

/** proxy-addr's trust function: is the address at this hop (0 = the socket peer) one of our proxies? */
export type TrustProxy = (address: string, hop: number) => boolean

const OFF = new Set(['', '0', 'false', 'no', 'off'])
// WARNING: `true` and `yes` mean ONE hop here, as they did before TRUST_PROXY took a count; Express
// reads `true` as "trust every hop", which would believe the left-most, client-written entry
const ONE_HOP = new Set(['true', 'yes'])
// proxy-addr's named ranges: loopback, linklocal (169.254/16, fe80::/10), uniquelocal (10/8, 172.16/12, 192.168/16, fc00::/7)
const NAMED_RANGES = new Set(['loopback', 'linklocal', 'uniquelocal'])

/**
 * Turn a TRUST_PROXY value into a trust function, or undefined when off. Throws a one-line Error
 * naming the variable for anything else, so a typo stops the server instead of trusting nobody
 * (every client one IP) or everybody (every client its own choice of IP).
 */
export function parseTrustProxy(value: string | undefined): TrustProxy | undefined {
  const text = (value ?? '').trim().toLowerCase()
  if (OFF.has(text)) return undefined
  if (ONE_HOP.has(text)) return hopCount(1)
  if (/^\d+$/.test(text)) return hopCount(Number(text))
  const entries = text
    .split(',')
    .map(entry => entry.trim())
    .filter(Boolean)
  // a bare number inside a list would be read by ipaddr.js as a 32-bit address ("10" = 0.0.0.10)
  const odd = entries.find(entry => !NAMED_RANGES.has(entry) && !/[.:]/.test(entry))
  if (odd !== undefined || entries.length === 0)
    throw invalid(value, odd === undefined ? 'no address' : `"${odd}" is not an address`)
  try {
    return proxyaddr.compile(entries)
  } catch (error) {
    throw invalid(value, (error as Error).message)
  }
}

// Express's `trust proxy` = n: the socket peer and the n - 1 entries before it are proxies, so the
// client is the n-th entry from the right of X-Forwarded-For
function hopCount(hops: number): TrustProxy {
  return (_address, hop) => hop < hops
}

function invalid(value: string | undefined, reason: string): Error {
  return new Error(
    `TRUST_PROXY must be off, a hop count such as 1, or a comma list of proxy addresses or CIDR ranges (got "${value}": ${reason})`,
  )
}
