// The client's IP for throttling and per-IP limits: the socket's address, or, when TRUST_PROXY
// names the proxies in front (services/kernel/trustProxy.ts), the address the outermost trusted proxy
// saw, read from X-Forwarded-For by `proxy-addr` from the right, one trusted hop at a time.
// Entries left of the first untrusted hop are whatever the client wrote and would let it pick a
// fresh IP for every attempt.
import type { IncomingMessage } from 'node:http'
import proxyaddr from 'proxy-addr'
import { env } from '../../env'
import type { TrustProxy } from './trustProxy'

export function clientIpOf (req: IncomingMessage | undefined, trust: TrustProxy | undefined = env.trustProxy): string {
  if (!req) return 'unknown'
  if (!trust) return req.socket?.remoteAddress ?? 'unknown'
  // WARNING: with a hop count the socket peer is trusted whoever it is, so a client that can reach
  // the server without going through the proxy chooses its own IP; a list of proxy addresses does
  // not have that gap
  return proxyaddr(req, trust) || 'unknown'
}
