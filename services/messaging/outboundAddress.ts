// Where the server may open a connection on a user's behalf, judged by address, not by how the
// URL spells it. Owns: the allow-list of addresses (public unicast only; an IPv6 form that
// embeds an IPv4 address is judged by that address), the host names that are internal whatever
// they resolve to, and `safeLookup`, the resolver handed to node:http(s) so that a name is
// resolved once, refused whole if any answer points inside, and connected only to the answers
// that were checked: a second resolution (DNS rebinding) never gets a say.
import dns from 'node:dns'
import { isIP, type LookupFunction } from 'node:net'
import ipaddr from 'ipaddr.js'

/** One answer of a resolver, as dns.lookup gives it with `all: true`. */
export type ResolvedAddress = { address: string; family: number }

/** Resolve a host name to every address it has; injectable so tests decide the answers. */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>

export type SafeLookupOptions = {
  /** defaults to the system resolver (dns.lookup: /etc/hosts, then DNS) */
  resolve?: Resolver
  /** outside production only: loopback and private targets are how development runs */
  allowInternal?: boolean
}

// the same words wherever a refusal is recorded: never the address, never the port, so a
// delivery's error cannot tell an attacker what answered inside
export const TARGET_REFUSED = 'target refused: resolves to a private, loopback or link-local address'

/** A connection refused before it was opened, because the target is, or resolves, inside. */
export class TargetRefusedError extends Error {
  readonly code = 'ERR_TARGET_REFUSED'
  constructor() {
    super(TARGET_REFUSED)
    this.name = 'TargetRefusedError'
  }
}

const GLOBAL_UNICAST = ipaddr.parse('2000::') as ipaddr.IPv6
const NAT64 = ipaddr.parse('64:ff9b::') as ipaddr.IPv6
const SIX_TO_FOUR = ipaddr.parse('2002::') as ipaddr.IPv6
const IPV4_COMPATIBLE = ipaddr.parse('::') as ipaddr.IPv6

// names that mean "this machine" or "this network" wherever they are resolved (RFC 6761,
// RFC 6762, RFC 8375, the cloud providers' *.internal), and the common resolver default
const INTERNAL_SUFFIXES = ['localhost', 'local', 'internal', 'home.arpa', 'localdomain']

/**
 * Whether a connection to this IP address leaves our network: an allow-list, so anything not
 * known to be public unicast (a new special range, a typo'd form) is refused. IPv4: only
 * ipaddr.js's 'unicast'. IPv6: only global unicast (2000::/3) outside the special ranges, and
 * the forms that carry an IPv4 address (mapped ::ffff:a.b.c.d, NAT64 64:ff9b::/96, 6to4
 * 2002::/16, the deprecated compatible ::a.b.c.d) by the IPv4 address they carry.
 */
export function isPublicAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, '')
  // only canonical literals: ipaddr.js also reads '127.1' or '0x7f.0.0.1', which no resolver
  // answers and the URL parser has already turned into dotted quads
  if (isIP(bare) === 0) return false
  let parsed: ipaddr.IPv4 | ipaddr.IPv6
  try {
    parsed = ipaddr.parse(bare)
  } catch {
    return false
  }
  if (parsed.kind() === 'ipv4') return isPublicIPv4(parsed as ipaddr.IPv4)
  const ipv6 = parsed as ipaddr.IPv6
  const embedded = embeddedIPv4(ipv6)
  if (embedded) return isPublicIPv4(embedded)
  // WARNING: ipaddr.js calls every address outside its named ranges 'unicast', site-local
  // fec0::/10 and the unassigned space included; only 2000::/3 is routed on the internet
  return ipv6.match(GLOBAL_UNICAST, 3) && ipv6.range() === 'unicast'
}

/**
 * Whether a host name is internal by its spelling alone, whatever it resolves to: a single
 * label (`vm`, completed by search domains or /etc/hosts), localhost and *.localhost, *.local,
 * *.internal (cloud metadata), *.home.arpa, *.localdomain; a trailing dot changes nothing.
 */
export function isInternalName(hostname: string): boolean {
  const name = normaliseHostname(hostname)
  if (!name.includes('.')) return true
  return INTERNAL_SUFFIXES.some(suffix => name === suffix || name.endsWith(`.${suffix}`))
}

/** A host name lower-cased and without its trailing dot ('LocalHost.' is 'localhost'). */
export function normaliseHostname(hostname: string): string {
  return hostname.toLowerCase().replace(/\.+$/, '')
}

/**
 * Resolve a name once and give back its answers, or throw TargetRefusedError if any of them
 * is not public: a name with one public and one private answer is refused whole, since the
 * connection could be made to either (and a rebinding resolver would make sure it is).
 */
export async function resolvePublicAddresses(
  hostname: string,
  { resolve = resolveWithSystem, allowInternal = false }: SafeLookupOptions = {},
): Promise<ResolvedAddress[]> {
  const answers = await resolve(hostname)
  if (answers.length === 0) throw notFound(hostname)
  for (const answer of answers) {
    if (isIP(answer.address) === 0) throw new TargetRefusedError()
    if (!allowInternal && !isPublicAddress(answer.address)) throw new TargetRefusedError()
  }
  return answers
}

/**
 * A `lookup` for node:http(s) and node:net: the addresses it hands over are the ones it checked,
 * so the connection is pinned to them. Node calls it for names only; an IP literal is connected
 * to as written and must be judged (isPublicAddress) before the request is made.
 */
export function safeLookup(options: SafeLookupOptions = {}): LookupFunction {
  return (hostname, lookupOptions, callback) => {
    resolvePublicAddresses(hostname, options).then(
      answers => {
        const family = familyOf(lookupOptions.family)
        const usable = family ? answers.filter(answer => answer.family === family) : answers
        const [first] = usable
        if (!first) return callback(notFound(hostname), lookupOptions.all ? [] : '')
        if (lookupOptions.all)
          return callback(
            null,
            usable.map(({ address, family }) => ({ address, family })),
          )
        callback(null, first.address, first.family)
      },
      (error: NodeJS.ErrnoException) => callback(error, lookupOptions.all ? [] : ''),
    )
  }
}

/** The system resolver: every address dns.lookup finds, in the order it gives them. */
export function resolveWithSystem(hostname: string): Promise<ResolvedAddress[]> {
  return new Promise((resolve, reject) => {
    dns.lookup(hostname, { all: true, verbatim: true }, (error, addresses) =>
      error ? reject(error) : resolve(addresses),
    )
  })
}

function isPublicIPv4(address: ipaddr.IPv4): boolean {
  return address.range() === 'unicast'
}

function embeddedIPv4(address: ipaddr.IPv6): ipaddr.IPv4 | undefined {
  const bytes = address.toByteArray()
  if (address.isIPv4MappedAddress()) return address.toIPv4Address()
  if (address.match(NAT64, 96) || address.match(IPV4_COMPATIBLE, 96)) return new ipaddr.IPv4(bytes.slice(12, 16))
  if (address.match(SIX_TO_FOUR, 16)) return new ipaddr.IPv4(bytes.slice(2, 6))
  return undefined
}

function familyOf(family: number | string | undefined): 4 | 6 | 0 {
  if (family === 4 || family === 'IPv4') return 4
  if (family === 6 || family === 'IPv6') return 6
  return 0
}

function notFound(hostname: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND', hostname })
}
