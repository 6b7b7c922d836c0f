// The client's IP for throttling and per-IP limits: the socket's address, or, when TRUST_PROXY
// names the proxies in front (services/kernel/trustProxy.ts), the address the outermost trusted proxy
// saw, read from X-Forwarded-For by `proxy-addr` from the right, one trusted hop at a time.
// Entries left of the first untrusted hop are whatever the client wrote and would let it pick a
// fresh IP for every attempt.
import { isIPv4, isIPv6 } from 'node:net'
import type { IncomingMessage } from 'node:http'
import proxyaddr from 'proxy-addr'
import { env } from '../../env'
import type { TrustProxy } from './trustProxy'

export function clientIpOf(req: IncomingMessage | undefined, trust: TrustProxy | undefined = env.trustProxy): string {
  if (!req) return 'unknown'
  if (!trust) return req.socket?.remoteAddress ?? 'unknown'
  // WARNING: with a hop count the socket peer is trusted whoever it is, so a client that can reach
  // the server without going through the proxy chooses its own IP; a list of proxy addresses does
  // not have that gap
  return proxyaddr(req, trust) || 'unknown'
}

// One subscriber gets a whole IPv6 /64, so counting single addresses would give an attacker 2^64
// fresh counters; an IPv4 address written as IPv6 (::ffff:a.b.c.d) counts as that IPv4 address.
// `ipv4Bits: 24` counts an IPv4 client by its /24, the block one hosting provider or office
// usually holds, for counters that must stop one network rather than one address.
export function clientNetwork(ip: string, { ipv4Bits = 32 }: { ipv4Bits?: 24 | 32 } = {}): string {
  const address = ip.trim().toLowerCase().replace(/%.*$/, '')
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(address)
  const ipv4 = mapped?.[1] ?? (isIPv4(address) ? address : undefined)
  if (ipv4) return ipv4Bits === 24 ? `${ipv4.split('.').slice(0, 3).join('.')}.0/24` : ipv4
  if (!isIPv6(address)) return address
  return `${ipv6Groups(address).slice(0, 4).join(':')}::/64`
}

// the eight 16-bit groups of a valid IPv6 address, without leading zeros
function ipv6Groups(address: string): string[] {
  let text = address
  const ipv4Tail = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text)
  if (ipv4Tail) {
    const [a, b, c, d] = ipv4Tail.slice(1).map(Number) as [number, number, number, number]
    text = `${text.slice(0, ipv4Tail.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`
  }
  const [head = '', tail] = text.split('::')
  const headGroups = head === '' ? [] : head.split(':')
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':')
  const groups =
    tail === undefined
      ? headGroups
      : [...headGroups, ...Array<string>(8 - headGroups.length - tailGroups.length).fill('0'), ...tailGroups]
  return groups.map(group => parseInt(group, 16).toString(16))
}
