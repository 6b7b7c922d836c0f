// The client's IP for throttling: the socket's address, or, when TRUST_PROXY says a proxy we
// run sits in front, the hop that proxy appended to X-Forwarded-For: the last one. Earlier
// entries are whatever the client sent and would let it pick a fresh IP for every attempt.
import type { IncomingMessage } from 'node:http'
import { env } from '../env'

export function clientIpOf (req: IncomingMessage | undefined): string {
  if (env.trustProxy) {
    const header = req?.headers['x-forwarded-for']
    const hops = (Array.isArray(header) ? header.join(',') : header ?? '').split(',').map(hop => hop.trim()).filter(Boolean)
    const last = hops[hops.length - 1]
    if (last) return last
  }
  return req?.socket.remoteAddress ?? 'unknown'
}
