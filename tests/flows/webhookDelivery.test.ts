// Webhooks end to end: deliveries written in a transaction reach a receiver on 127.0.0.1 exactly
// once, signed over the body as stored, retried with backoff until a 2xx or the last attempt, with
// no secret on the wire, and never doubled by two workers. The workers here are the tests' own
// (startWebhookWorker in this process) over a fresh migrated database (SQLite, or PostgreSQL with
// TEST_DATABASE=postgresql), not the server's wiring.
import '../helpers/env'
import { spawn } from 'node:child_process'
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { after, afterEach, before, mock, test } from 'node:test'
import assert from 'node:assert/strict'
import { createContext } from '../../scripts/lib/context'
import { env } from '../../env'
import { hashPassword } from '../../services/identity/passwords'
import {
  deliverDueWebhooks,
  emitWebhookEvent,
  kickWebhooks,
  MAX_WEBHOOK_ATTEMPTS,
  startWebhookWorker,
  userWebhookPayload,
} from '../../services/messaging/webhooks'
import type { WebhookEvent } from '../../services/messaging/webhookEvents'
import type { Context } from '../../generated/keystone/types'
import { createTestDatabase } from '../helpers/database'
import { makeWebhook as createWebhook } from '../helpers/factories'

const ROOT = path.resolve(import.meta.dirname, '../..')
const POLL_MS = 50
const BACKOFF_MS = 50

type Receipt = { method: string; url: string; headers: IncomingHttpHeaders; body: string; answered: number }
type Receiver = { url: string; receipts: Receipt[]; close: () => Promise<void> }

let drop: (() => Promise<void>) | undefined
let databaseUrl: string
let context: Context

before(async () => {
  // loopback targets pass assertSafeWebhookUrl only outside production
  assert.equal(env.isProduction, false, 'run this suite with NODE_ENV other than production')
  ;({ databaseUrl, drop } = await createTestDatabase())
  context = await createContext(databaseUrl)
})

after(async () => {
  await disconnect(context)
  await drop?.()
})

// each test's webhooks and deliveries end with it, so no later test sends to a closed receiver
afterEach(async () => {
  await context.prisma.webhook.updateMany({ data: { isActive: false } })
  await context.prisma.webhookDelivery.updateMany({
    where: { status: { in: ['pending', 'sending'] } },
    data: { status: 'failed', lockedUntil: null },
  })
})

async function disconnect(on: Context | undefined): Promise<void> {
  await (on?.prisma as { $disconnect?: () => Promise<void> } | undefined)?.$disconnect?.()
}

// a receiver on a free loopback port (or `port`); `answer` picks the status of the n-th request (from 1)
async function startReceiver(
  answer: (n: number, receipt: Omit<Receipt, 'answered'>, response: ServerResponse) => number | undefined = () => 200,
  port = 0,
): Promise<Receiver> {
  const receipts: Receipt[] = []
  const server = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', chunk => chunks.push(chunk))
    request.on('end', () => {
      const receipt = {
        method: request.method ?? '',
        url: request.url ?? '',
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      }
      const status = answer(receipts.length + 1, receipt, response)
      receipts.push({ ...receipt, answered: status ?? 0 })
      // undefined: the answer leaves the response to the caller (a redirect, a hang)
      if (status !== undefined)
        response.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : 'no')
    })
  })
  await new Promise<void>(resolve => server.listen(port, '127.0.0.1', resolve))
  const { port: listening } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${listening}/hooks/account`,
    receipts,
    close: () =>
      new Promise<void>(resolve => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

function secret(): string {
  return `whsec_${randomBytes(18).toString('base64url')}`
}

// through the list (on the trusted path, as a module would: a plain sudo write holds no permission),
// so the target URL is checked and the secret sealed
async function makeWebhook({
  targetUrl,
  secret: value = secret(),
  events,
  isActive = true,
}: {
  targetUrl: string
  secret?: string
  events: WebhookEvent[]
  isActive?: boolean
}) {
  const webhook = await createWebhook(context, { targetUrl, secret: value, events, isActive })
  return { id: String(webhook.id), secret: value }
}

async function deliveriesOf(webhookId: string) {
  return context.prisma.webhookDelivery.findMany({ where: { webhookId }, orderBy: { createdAt: 'asc' } })
}

// a receiver has a request before its sender has read the answer and recorded it: the rows are
// waited for, not a fixed number of polls
async function waitForDelivered(webhookId: string, count: number) {
  return waitFor(`${count} deliveries recorded delivered`, async () => {
    const rows = await deliveriesOf(webhookId)
    return rows.length === count && rows.every(row => row.status === 'delivered' && row.lockedUntil === null) && rows
  })
}

async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const value = await probe()
    if (value) return value
    await sleep(25)
  }
  throw new Error(`timed out waiting for ${what}`)
}

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms))

function verifies(body: string, signature: string | string[] | undefined, key: string): boolean {
  if (typeof signature !== 'string' || !/^[0-9a-f]{64}$/.test(signature)) return false
  const expected = createHmac('sha256', key).update(body).digest()
  return timingSafeEqual(expected, Buffer.from(signature, 'hex'))
}

function statusCodes(log: unknown): unknown[] {
  return (log as { statusCode?: number }[]).map(entry => entry.statusCode)
}

// the child marks its requests, so the receiver can tell the two workers apart
const CHILD_WORKER = `
const { default: http } = await import('node:http')
const original = http.request
http.request = (url, options, ...rest) => original(url, { ...options, headers: { ...options.headers, 'x-test-worker': 'child' } }, ...rest)
const { createContext } = await import(process.env.WEBHOOK_TEST_ROOT + '/scripts/lib/context.ts')
const { startWebhookWorker } = await import(process.env.WEBHOOK_TEST_ROOT + '/services/messaging/webhooks.ts')
const context = await createContext(process.env.WEBHOOK_TEST_DATABASE_URL)
const worker = startWebhookWorker(context, { intervalMs: ${POLL_MS}, backoffMs: ${BACKOFF_MS}, batchSize: 3 })
process.stdin.on('end', async () => {
  await worker.stop()
  await context.prisma.$disconnect()
  process.exit(0)
})
process.stdin.resume()
console.log('ready')
`

// a webhook worker in another process over the same database; stop() ends it gracefully
async function startChildWorker(): Promise<{ stop: () => Promise<void> }> {
  // the environment carries the test secret (helpers/env), so the child opens the same seals
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '--eval', CHILD_WORKER], {
    cwd: ROOT,
    env: { ...process.env, WEBHOOK_TEST_ROOT: ROOT, WEBHOOK_TEST_DATABASE_URL: databaseUrl },
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout.on('data', chunk => {
    output += chunk
  })
  child.stderr.on('data', chunk => {
    output += chunk
  })
  const exited = new Promise<void>(resolve => child.once('exit', () => resolve()))
  await waitFor(
    'the child worker',
    () => {
      if (child.exitCode !== null) throw new Error(`child worker exited with ${child.exitCode}:\n${output}`)
      return output.includes('ready')
    },
    60_000,
  )
  return {
    async stop() {
      child.stdin.end()
      const timer = setTimeout(() => child.kill(), 10_000)
      await exited
      clearTimeout(timer)
    },
  }
}

test("a delivery arrives once, signed with the webhook's secret over the body as stored, with its event and delivery id", async () => {
  // given
  const receiver = await startReceiver()
  const webhook = await makeWebhook({ targetUrl: receiver.url, events: ['CUSTOMER_CREATED'] })
  const worker = startWebhookWorker(context, { intervalMs: POLL_MS, backoffMs: BACKOFF_MS })
  try {
    // when
    await context.transaction(async tx => {
      await emitWebhookEvent(tx, {
        event: 'CUSTOMER_CREATED',
        payload: { user: { id: 'u1', email: 'casey@example.com' } },
      })
    })
    kickWebhooks()

    // then
    const [receipt] = await waitFor('the delivery', () => receiver.receipts.length > 0 && receiver.receipts)
    await waitForDelivered(webhook.id, 1)
    await sleep(10 * POLL_MS)
    assert.equal(receiver.receipts.length, 1)
    const [row] = await deliveriesOf(webhook.id)
    assert.ok(receipt && row)
    assert.equal(receipt.method, 'POST')
    assert.equal(receipt.url, '/hooks/account')
    assert.equal(receipt.headers['content-type'], 'application/json')
    assert.equal(receipt.headers['x-event-type'], 'CUSTOMER_CREATED')
    assert.equal(receipt.headers['x-delivery-id'], row.id)
    assert.equal(receipt.body, row.payload)
    assert.ok(verifies(receipt.body, receipt.headers['x-signature-sha256'], webhook.secret))
    assert.ok(!verifies(receipt.body, receipt.headers['x-signature-sha256'], `${webhook.secret}x`))
    const body = JSON.parse(receipt.body)
    assert.deepEqual(Object.keys(body), ['event', 'id', 'createdAt', 'data'])
    assert.equal(body.event, 'CUSTOMER_CREATED')
    assert.match(body.id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    assert.equal(new Date(body.createdAt).toISOString(), body.createdAt)
    assert.deepEqual(body.data, { user: { id: 'u1', email: 'casey@example.com' } })
    assert.equal(row.status, 'delivered')
    assert.equal(row.attempts, 1)
    assert.equal(row.lastStatusCode, 200)
    assert.equal(row.lastError, '')
    assert.equal(row.lockedUntil, null)
    assert.ok(row.deliveredAt)
    const log = row.log as { at: string; statusCode: number; ms: number }[]
    assert.equal(log.length, 1)
    assert.equal(log[0]?.statusCode, 200)
    assert.equal(typeof log[0]?.ms, 'number')
    const stored = await context.prisma.webhook.findUniqueOrThrow({ where: { id: webhook.id } })
    assert.ok(stored.secret.startsWith('v1.') && !stored.secret.includes(webhook.secret))
    assert.ok(!JSON.stringify(row).includes(webhook.secret))
  } finally {
    await worker.stop()
    await receiver.close()
  }
})

test('a receiver that answers 500 three times and then 200 gets the delivery once, after four logged attempts', async () => {
  // given
  const warn = mock.method(console, 'warn', () => {})
  const receiver = await startReceiver(n => (n <= 3 ? 500 : 200))
  const webhook = await makeWebhook({ targetUrl: receiver.url, events: ['CUSTOMER_UPDATED'] })
  const worker = startWebhookWorker(context, { intervalMs: POLL_MS, backoffMs: BACKOFF_MS })
  try {
    // when
    await context.transaction(async tx => {
      await emitWebhookEvent(tx, { event: 'CUSTOMER_UPDATED', payload: { user: { id: 'u2' } } })
    })
    kickWebhooks()

    // then
    await waitFor('a successful receipt', () => receiver.receipts.some(receipt => receipt.answered === 200))
    await waitForDelivered(webhook.id, 1)
    await sleep(10 * POLL_MS)
    assert.equal(receiver.receipts.filter(receipt => receipt.answered === 200).length, 1)
    assert.equal(receiver.receipts.length, 4)
    assert.equal(new Set(receiver.receipts.map(receipt => receipt.body)).size, 1)
    assert.equal(new Set(receiver.receipts.map(receipt => receipt.headers['x-delivery-id'])).size, 1)
    const rows = await deliveriesOf(webhook.id)
    assert.equal(rows.length, 1)
    const [row] = rows
    assert.equal(row?.status, 'delivered')
    assert.equal(row?.attempts, 4)
    assert.deepEqual(statusCodes(row?.log), [500, 500, 500, 200])
    assert.deepEqual(
      (row?.log as { error?: string }[]).map(entry => entry.error),
      ['HTTP 500', 'HTTP 500', 'HTTP 500', undefined],
    )
    assert.equal(row?.lastError, '')
    const times = (row?.log as { at: string }[]).map(entry => Date.parse(entry.at))
    for (let i = 1; i < times.length; i++)
      assert.ok(times[i]! - times[i - 1]! >= BACKOFF_MS * 0.9, `attempt ${i + 1} came too soon`)
  } finally {
    await worker.stop()
    await receiver.close()
    warn.mock.restore()
  }
})

test('a receiver that is down (connection refused) and then comes up on the same port gets each delivery exactly once', async t => {
  // given: a port nothing listens on yet, and three deliveries for it
  const warn = mock.method(console, 'warn', () => {})
  const port = await new Promise<number>(resolve => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port: free } = probe.address() as AddressInfo
      probe.close(() => resolve(free))
    })
  })
  const webhook = await makeWebhook({
    targetUrl: `http://127.0.0.1:${port}/hooks/account`,
    events: ['CUSTOMER_METADATA_UPDATED'],
  })
  for (const id of ['d1', 'd2', 'd3'])
    await emitWebhookEvent(context, { event: 'CUSTOMER_METADATA_UPDATED', payload: { user: { id } } })
  const worker = startWebhookWorker(context, { intervalMs: POLL_MS, backoffMs: BACKOFF_MS })
  let receiver: Receiver | undefined
  try {
    kickWebhooks()
    // then: every delivery is retried while the receiver is down, and none is given up
    await waitFor('two refused attempts of each delivery', async () => {
      const rows = await deliveriesOf(webhook.id)
      return (
        rows.length === 3 &&
        rows.every(row => row.attempts >= 2 && row.status === 'pending' && row.lastError === 'could not connect')
      )
    })

    // when: the receiver comes up on that port
    receiver = await startReceiver(() => 200, port)
    const up = receiver

    // then: each delivery arrives exactly once, and nothing more after a few more polls
    await waitFor('the three deliveries', () => up.receipts.length >= 3)
    await waitForDelivered(webhook.id, 3)
    await sleep(10 * POLL_MS)
    assert.equal(up.receipts.length, 3)
    const rows = await deliveriesOf(webhook.id)
    assert.deepEqual(
      new Set(up.receipts.map(receipt => receipt.headers['x-delivery-id'])),
      new Set(rows.map(row => row.id)),
    )
    assert.deepEqual(up.receipts.map(receipt => JSON.parse(receipt.body).data.user.id).sort(), ['d1', 'd2', 'd3'])
    for (const row of rows) {
      assert.equal(row.status, 'delivered')
      assert.ok(row.attempts >= 3)
      assert.equal(statusCodes(row.log).at(-1), 200)
    }
    t.diagnostic(
      `deliveries written 3, attempts made ${rows.reduce((sum, row) => sum + row.attempts, 0)}, received ${up.receipts.length}`,
    )
  } finally {
    await worker.stop()
    await receiver?.close()
    warn.mock.restore()
  }
})

test("a receiver that always fails leaves the delivery failed after the worker's max attempts, and then receives nothing more", async () => {
  // given
  const warn = mock.method(console, 'warn', () => {})
  const receiver = await startReceiver(() => 503)
  const webhook = await makeWebhook({ targetUrl: receiver.url, events: ['CUSTOMER_DELETED'] })
  const worker = startWebhookWorker(context, { intervalMs: POLL_MS, backoffMs: 10, maxAttempts: 4 })
  try {
    // when
    await emitWebhookEvent(context, { event: 'CUSTOMER_DELETED', payload: { user: { id: 'u3' } } })
    kickWebhooks()

    // then
    const [row] = await waitFor('a failed delivery', async () => {
      const rows = await deliveriesOf(webhook.id)
      return rows[0]?.status === 'failed' && rows
    })
    await sleep(10 * POLL_MS)
    assert.equal(receiver.receipts.length, 4)
    assert.equal(row?.attempts, 4)
    assert.equal(row?.lastStatusCode, 503)
    assert.equal(row?.lastError, 'HTTP 503')
    assert.equal(row?.lockedUntil, null)
    assert.deepEqual(statusCodes(row?.log), [503, 503, 503, 503])
    assert.ok(warn.mock.calls.some(call => String(call.arguments[0]).includes('giving up')))
  } finally {
    await worker.stop()
    await receiver.close()
    warn.mock.restore()
  }
})

test(`with the default limit a delivery stays pending through ${MAX_WEBHOOK_ATTEMPTS - 1} failures and is failed at attempt ${MAX_WEBHOOK_ATTEMPTS}, its backoff growing on an injected clock`, async () => {
  // given
  const warn = mock.method(console, 'warn', () => {})
  const receiver = await startReceiver(() => 500)
  const webhook = await makeWebhook({ targetUrl: receiver.url, events: ['ACCOUNT_DELETED'] })
  await emitWebhookEvent(context, { event: 'ACCOUNT_DELETED', payload: { user: { id: 'u4' } } })
  let now = new Date(Date.now() + 1000)
  const states: { status: string; attempts: number; delay: number }[] = []
  try {
    // when: each pass runs 17 minutes after the last, past any backoff (15 minutes, +10 % at most)
    for (let pass = 1; pass <= MAX_WEBHOOK_ATTEMPTS + 1; pass++) {
      await deliverDueWebhooks(context, { now, backoffMs: 2000 })
      const [row] = await deliveriesOf(webhook.id)
      states.push({
        status: row!.status,
        attempts: row!.attempts,
        delay: (row!.nextAttemptAt?.getTime() ?? now.getTime()) - now.getTime(),
      })
      now = new Date(now.getTime() + 17 * 60_000)
    }

    // then
    const [final] = await deliveriesOf(webhook.id)
    assert.deepEqual(
      (final?.log as { error?: string }[]).map(entry => entry.error),
      Array(MAX_WEBHOOK_ATTEMPTS).fill('HTTP 500'),
    )
    assert.equal(receiver.receipts.length, MAX_WEBHOOK_ATTEMPTS)
    assert.deepEqual(
      states.map(state => state.status),
      [...Array(MAX_WEBHOOK_ATTEMPTS - 1).fill('pending'), 'failed', 'failed'],
    )
    assert.deepEqual(
      states.map(state => state.attempts),
      [...Array.from({ length: MAX_WEBHOOK_ATTEMPTS }, (_, i) => i + 1), MAX_WEBHOOK_ATTEMPTS],
    )
    const delays = states.slice(0, MAX_WEBHOOK_ATTEMPTS - 1).map(state => state.delay)
    assert.ok(delays[0]! >= 1800 && delays[0]! <= 2200, `first backoff ${delays[0]}`)
    assert.ok(delays[1]! >= 3600 && delays[1]! <= 4400, `second backoff ${delays[1]}`)
    assert.ok(delays.every(delay => delay <= 15 * 60_000 * 1.1))
    assert.ok(delays.at(-1)! >= 15 * 60_000 * 0.9, `last backoff ${delays.at(-1)}`)
  } finally {
    await receiver.close()
    warn.mock.restore()
  }
})

test('a payload built from a full user row carries no password hash, token key, token hash, private metadata or note on the wire', async () => {
  // given: a user row with every secret set, as the database holds it
  const receiver = await startReceiver()
  const webhook = await makeWebhook({ targetUrl: receiver.url, events: ['ACCOUNT_CONFIRMED', 'CUSTOMER_UPDATED'] })
  const passwordHash = await hashPassword('correct horse battery staple')
  const jwtTokenKey = `jwt-${randomBytes(12).toString('hex')}`
  const customerTokenHash = `cth-${randomBytes(12).toString('hex')}`
  const user = await context.prisma.user.create({
    data: {
      email: `webhook-${randomBytes(4).toString('hex')}@example.com`,
      firstName: 'Casey',
      lastName: 'Jones',
      name: 'Casey Jones',
      password: passwordHash,
      jwtTokenKey,
      customerTokenHash,
      isConfirmed: true,
      note: { text: 'NOTE-do-not-send' },
      metadata: { newsletter: 'yes' },
      privateMetadata: { fraudScore: 'PRIVATE-do-not-send' },
    },
  })
  const worker = startWebhookWorker(context, { intervalMs: POLL_MS, backoffMs: BACKOFF_MS })
  try {
    // when: one event through userWebhookPayload, one handing the raw row over by mistake
    await context.transaction(async tx => {
      await emitWebhookEvent(tx, { event: 'ACCOUNT_CONFIRMED', payload: { user: userWebhookPayload(user) } })
      await emitWebhookEvent(tx, { event: 'CUSTOMER_UPDATED', payload: { user } })
    })
    kickWebhooks()

    // then
    await waitFor('both deliveries', async () =>
      (await deliveriesOf(webhook.id)).every(row => row.status === 'delivered'),
    )
    const byEvent = new Map(receiver.receipts.map(receipt => [receipt.headers['x-event-type'], receipt.body]))
    const picked = byEvent.get('ACCOUNT_CONFIRMED')!
    const raw = byEvent.get('CUSTOMER_UPDATED')!
    for (const body of [picked, raw]) {
      for (const leak of [
        passwordHash,
        jwtTokenKey,
        customerTokenHash,
        'PRIVATE-do-not-send',
        '$argon2',
        'privateMetadata',
        'jwtTokenKey',
        'customerTokenHash',
        '"password"',
      ]) {
        assert.ok(!body.includes(leak), `${leak} on the wire`)
      }
    }
    assert.ok(!picked.includes('NOTE-do-not-send'))
    assert.deepEqual(Object.keys(JSON.parse(picked).data.user).sort(), [
      'dateJoined',
      'email',
      'firstName',
      'id',
      'isActive',
      'isConfirmed',
      'isStaff',
      'languageCode',
      'lastName',
      'metadata',
      'name',
      'updatedAt',
    ])
    assert.equal(JSON.parse(picked).data.user.email, user.email)
    assert.equal(receiver.receipts.length, 2)
  } finally {
    await worker.stop()
    await receiver.close()
  }
})

test('a worker in this process and one in another process, each with its own connection, deliver each row exactly once', async t => {
  // given: a slow receiver, so that both workers look at the rows while some are being sent, and
  // a second worker in a child process (two connections in one process would stall each other:
  // better-sqlite3 waits for a lock synchronously, blocking the thread that holds it)
  const receiver = await startReceiver((n, receipt, response) => {
    setTimeout(() => response.writeHead(200).end('ok'), 40)
    return undefined
  })
  const webhook = await makeWebhook({ targetUrl: receiver.url, events: ['STAFF_CREATED'] })
  const child = await startChildWorker()
  const worker = startWebhookWorker(context, { intervalMs: POLL_MS, backoffMs: BACKOFF_MS, batchSize: 3 })
  const count = 20
  try {
    // when
    await context.transaction(async tx => {
      for (let i = 0; i < count; i++)
        await emitWebhookEvent(tx, { event: 'STAFF_CREATED', payload: { user: { id: `staff-${i}` } } })
    })
    kickWebhooks()

    // then
    await waitFor('every row delivered', async () =>
      (await deliveriesOf(webhook.id)).every(row => row.status === 'delivered'),
    )
    await sleep(10 * POLL_MS)
    const ids = receiver.receipts.map(receipt => receipt.headers['x-delivery-id'])
    assert.equal(ids.length, count)
    assert.equal(new Set(ids).size, count)
    const rows = await deliveriesOf(webhook.id)
    assert.deepEqual(new Set(ids), new Set(rows.map(row => row.id)))
    assert.ok(rows.every(row => row.attempts === 1 && (row.log as unknown[]).length === 1))
    const fromChild = receiver.receipts.filter(receipt => receipt.headers['x-test-worker'] === 'child').length
    t.diagnostic(`this process sent ${count - fromChild}, the child process ${fromChild}`)
    assert.ok(fromChild > 0 && fromChild < count, `one worker sent all ${count}: no race was exercised`)
  } finally {
    await worker.stop()
    await child.stop()
    await receiver.close()
  }
})

test('only active webhooks subscribed to the event get a delivery, with one body for all, and none when the transaction rolls back', async () => {
  // given
  const target = 'https://hooks.example.com/account'
  const subscribed = await makeWebhook({ targetUrl: target, events: ['ADDRESS_CREATED'] })
  const alsoSubscribed = await makeWebhook({ targetUrl: target, events: ['ADDRESS_UPDATED', 'ADDRESS_CREATED'] })
  const otherEvents = await makeWebhook({ targetUrl: target, events: ['ADDRESS_UPDATED', 'ADDRESS_DELETED'] })
  const inactive = await makeWebhook({ targetUrl: target, events: ['ADDRESS_CREATED'], isActive: false })
  const noEvents = await makeWebhook({ targetUrl: target, events: [] })

  // when
  await context.transaction(async tx => {
    await emitWebhookEvent(tx, { event: 'ADDRESS_CREATED', payload: { address: { id: 'a1', city: 'Lyon' } } })
  })
  await assert.rejects(
    context.transaction(async tx => {
      await emitWebhookEvent(tx, { event: 'ADDRESS_CREATED', payload: { address: { id: 'a2' } } })
      throw new Error('the change failed')
    }),
    /the change failed/,
  )

  // then
  const [first] = await deliveriesOf(subscribed.id)
  const [second] = await deliveriesOf(alsoSubscribed.id)
  assert.equal((await deliveriesOf(subscribed.id)).length, 1)
  assert.equal((await deliveriesOf(alsoSubscribed.id)).length, 1)
  for (const none of [otherEvents, inactive, noEvents]) assert.equal((await deliveriesOf(none.id)).length, 0)
  assert.equal(first?.event, 'ADDRESS_CREATED')
  assert.equal(first?.status, 'pending')
  assert.equal(first?.payload, second?.payload)
  assert.deepEqual(JSON.parse(first!.payload).data, { address: { id: 'a1', city: 'Lyon' } })
})

test('a redirect is a failure and is not followed', async () => {
  // given
  const warn = mock.method(console, 'warn', () => {})
  const elsewhere = await startReceiver()
  const receiver = await startReceiver((n, receipt, response) => {
    response.writeHead(307, { location: elsewhere.url }).end()
    return undefined
  })
  const webhook = await makeWebhook({ targetUrl: receiver.url, events: ['PERMISSION_GROUP_CREATED'] })
  await emitWebhookEvent(context, { event: 'PERMISSION_GROUP_CREATED', payload: { group: { id: 'g1' } } })
  try {
    // when
    await deliverDueWebhooks(context, { now: new Date(Date.now() + 1000) })

    // then
    const [row] = await deliveriesOf(webhook.id)
    assert.equal(receiver.receipts.length, 1)
    assert.equal(elsewhere.receipts.length, 0)
    assert.equal(row?.status, 'pending')
    assert.equal(row?.lastStatusCode, 307)
    assert.match(row?.lastError ?? '', /redirect not followed/)
  } finally {
    await receiver.close()
    await elsewhere.close()
    warn.mock.restore()
  }
})

test('a target that no longer passes the URL check fails the delivery without a request', async () => {
  // given: a target stored before the rules changed (here written past the list's validation)
  const warn = mock.method(console, 'warn', () => {})
  const webhook = await makeWebhook({
    targetUrl: 'https://hooks.example.com/account',
    events: ['PERMISSION_GROUP_DELETED'],
  })
  await emitWebhookEvent(context, { event: 'PERMISSION_GROUP_DELETED', payload: { group: { id: 'g2' } } })
  await context.prisma.webhook.update({
    where: { id: webhook.id },
    data: { targetUrl: 'http://hooks.example.com/account' },
  })
  try {
    // when
    await deliverDueWebhooks(context, { now: new Date(Date.now() + 1000) })

    // then
    const [row] = await deliveriesOf(webhook.id)
    assert.equal(row?.status, 'failed')
    assert.equal(row?.attempts, 1)
    assert.equal(row?.lastStatusCode, null)
    assert.match(row?.lastError ?? '', /^target URL refused: The URL must use https/)
  } finally {
    warn.mock.restore()
  }
})

test('a delivery whose webhook was deactivated after the event fails without a request', async () => {
  // given
  const warn = mock.method(console, 'warn', () => {})
  const receiver = await startReceiver()
  const webhook = await makeWebhook({ targetUrl: receiver.url, events: ['ACCOUNT_DELETE_REQUESTED'] })
  await emitWebhookEvent(context, { event: 'ACCOUNT_DELETE_REQUESTED', payload: { user: { id: 'u7' } } })
  await context.prisma.webhook.update({ where: { id: webhook.id }, data: { isActive: false } })
  try {
    // when
    await deliverDueWebhooks(context, { now: new Date(Date.now() + 1000) })

    // then
    const [row] = await deliveriesOf(webhook.id)
    assert.equal(receiver.receipts.length, 0)
    assert.equal(row?.status, 'failed')
    assert.equal(row?.lastError, 'the webhook is inactive')
  } finally {
    await receiver.close()
    warn.mock.restore()
  }
})

test('a receiver that does not answer in time is a failed attempt, retried later', async () => {
  // given
  const warn = mock.method(console, 'warn', () => {})
  const receiver = await startReceiver(() => undefined)
  const webhook = await makeWebhook({ targetUrl: receiver.url, events: ['ACCOUNT_EMAIL_CHANGED'] })
  await emitWebhookEvent(context, { event: 'ACCOUNT_EMAIL_CHANGED', payload: { user: { id: 'u5' } } })
  const now = new Date(Date.now() + 1000)
  try {
    // when
    const outcome = await deliverDueWebhooks(context, { now, timeoutMs: 200, backoffMs: 1000 })

    // then
    const [row] = await deliveriesOf(webhook.id)
    assert.equal(outcome.retried, 1)
    assert.equal(receiver.receipts.length, 1)
    assert.equal(row?.status, 'pending')
    assert.equal(row?.lastError, 'timed out after 200 ms')
    assert.equal(row?.lastStatusCode, null)
    const delay = row!.nextAttemptAt!.getTime() - now.getTime()
    assert.ok(delay >= 900 && delay <= 1100, `backoff ${delay} ms`)
    assert.ok((row?.log as { ms: number }[])[0]!.ms >= 150)
  } finally {
    await receiver.close()
    warn.mock.restore()
  }
})

test('a delivery left in sending by a crashed worker is sent again once its lease has run out', async () => {
  // given
  const receiver = await startReceiver()
  const webhook = await makeWebhook({ targetUrl: receiver.url, events: ['ACCOUNT_SET_PASSWORD_REQUESTED'] })
  await emitWebhookEvent(context, { event: 'ACCOUNT_SET_PASSWORD_REQUESTED', payload: { user: { id: 'u6' } } })
  const now = new Date(Date.now() + 1000)
  await context.prisma.webhookDelivery.updateMany({
    where: { webhookId: webhook.id },
    data: { status: 'sending', lockedUntil: new Date(now.getTime() + 30_000) },
  })
  try {
    // when
    await deliverDueWebhooks(context, { now })
    const duringLease = receiver.receipts.length
    await deliverDueWebhooks(context, { now: new Date(now.getTime() + 31_000) })

    // then
    assert.equal(duringLease, 0)
    assert.equal(receiver.receipts.length, 1)
    assert.equal((await deliveriesOf(webhook.id))[0]?.status, 'delivered')
  } finally {
    await receiver.close()
  }
})

test('a refused connection and a failed TLS handshake are recorded by kind, without the address or port they happened at', async () => {
  // given: a port nothing listens on, and a plain-http receiver addressed with https
  const warn = mock.method(console, 'warn', () => {})
  const receiver = await startReceiver()
  const closedPort = await new Promise<number>(resolve => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo
      probe.close(() => resolve(port))
    })
  })
  const receiverPort = new URL(receiver.url).port
  const refused = await makeWebhook({
    targetUrl: `http://127.0.0.1:${closedPort}/hook`,
    events: ['PERMISSION_GROUP_UPDATED'],
  })
  const notTls = await makeWebhook({
    targetUrl: receiver.url.replace('http:', 'https:'),
    events: ['PERMISSION_GROUP_UPDATED'],
  })
  await emitWebhookEvent(context, { event: 'PERMISSION_GROUP_UPDATED', payload: { group: { id: 'g3' } } })
  try {
    // when
    await deliverDueWebhooks(context, { now: new Date(Date.now() + 1000) })

    // then
    const [refusedRow] = await deliveriesOf(refused.id)
    const [notTlsRow] = await deliveriesOf(notTls.id)
    assert.equal(refusedRow?.lastError, 'could not connect')
    assert.equal(notTlsRow?.lastError, 'TLS handshake failed')
    for (const row of [refusedRow, notTlsRow]) {
      assert.equal(row?.status, 'pending')
      const logged = JSON.stringify((row?.log as { error?: string }[]).map(entry => entry.error))
      for (const leak of ['127.0.0.1', String(closedPort), receiverPort, 'ECONNREFUSED'])
        assert.ok(!logged.includes(leak), `${leak} in ${logged}`)
    }
  } finally {
    await receiver.close()
    warn.mock.restore()
  }
})
