// Where we may send a server-side request for a user: https only (plain http to localhost
// outside production, for development), and in production never an address that points back
// inside (loopback, private, link-local, unique-local), or a profile setting becomes SSRF.
import { BlockList, isIP } from 'node:net'
import { env } from '../env'
import { DomainError } from './errors'

const internal = new BlockList()
for (const [network, prefix] of [['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12], ['192.168.0.0', 16]] as const) {
  internal.addSubnet(network, prefix, 'ipv4')
}
for (const [network, prefix] of [['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['::ffff:0:0', 96]] as const) {
  internal.addSubnet(network, prefix, 'ipv6')
}

function isLocalName (hostname: string): boolean {
  return hostname === 'localhost' || hostname.endsWith('.localhost') || hostname.endsWith('.local') || hostname.endsWith('.internal')
}

function isInternalAddress (hostname: string): boolean {
  const bare = hostname.replace(/^\[|\]$/g, '')
  const family = isIP(bare)
  if (family === 0) return false
  return internal.check(bare, family === 4 ? 'ipv4' : 'ipv6')
}

/** Check a URL that the server will call on a user's behalf; gives it back normalised. */
export function assertSafeWebhookUrl (value: string, field: string): string {
  const invalid = (message: string) => new DomainError({ field, code: 'INVALID', message })
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw invalid('Enter a valid URL.')
  }
  if (url.username || url.password) throw invalid('The URL must not carry credentials.')
  const hostname = url.hostname.toLowerCase()
  const local = isLocalName(hostname) || isInternalAddress(hostname)
  if (url.protocol === 'http:') {
    if (env.isProduction || !local) throw invalid('The URL must use https (plain http is allowed only for localhost in development).')
  } else if (url.protocol !== 'https:') {
    throw invalid('The URL must use https.')
  }
  if (env.isProduction && local) throw invalid('The URL must not point to a private, loopback or link-local address.')
  return url.toString()
}
