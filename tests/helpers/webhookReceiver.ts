// A webhook receiver on loopback that records every delivery and checks its signature.
import { createHmac } from 'node:crypto'
import { createServer, type Server } from 'node:http'

export type Received = { event: string; body: string; json: any; signatureValid: boolean; deliveryId: string }

export type Receiver = {
  url: string
  received: Received[]
  /** Wait until these events (in any order) have arrived after `from`, and give what arrived. */
  waitFor: (events: string[], from: number, timeoutMs?: number) => Promise<Received[]>
  stop: () => Promise<void>
}

export async function startReceiver(secret: string): Promise<Receiver> {
  const received: Received[] = []
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', chunk => chunks.push(chunk))
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8')
      const expected = createHmac('sha256', secret).update(body).digest('hex')
      received.push({
        event: String(req.headers['x-event-type']),
        body,
        json: JSON.parse(body),
        signatureValid: req.headers['x-signature-sha256'] === expected,
        deliveryId: String(req.headers['x-delivery-id']),
      })
      res.writeHead(200).end('ok')
    })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', () => resolve()))
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    received,
    async waitFor(events, from, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs
      while (Date.now() < deadline) {
        const arrived = received.slice(from)
        if (
          events.every(event => arrived.filter(r => r.event === event).length >= events.filter(e => e === event).length)
        )
          return arrived
        await new Promise(resolve => setTimeout(resolve, 50))
      }
      throw new Error(
        `waiting for ${events.join(', ')}; got ${received
          .slice(from)
          .map(r => r.event)
          .join(', ')}`,
      )
    },
    stop: () => new Promise<void>(resolve => server.close(() => resolve())),
  }
}
