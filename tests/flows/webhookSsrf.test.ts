// Webhook targets against a production server, black-box: the URLs of the outside probe are
// refused at save time with a clear validation error, a public IPv4 literal is accepted, and a
// name that passed the save-time check but resolves to loopback when the delivery is sent (DNS
// rebinding, mixed answers, an IPv4-mapped answer) reaches nothing: the listener on loopback sees
// no connection, and the recorded failure names no address and no port. The server's resolver
// is the system's, given fixed answers for a few names by a preload, as a hosts file would be,
// so that the test means the same on every machine and needs no network.
import '../helpers/env'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type AddressInfo, type Socket } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, type TestServer } from '../helpers/server'
import { tokenFor } from '../helpers/actors'
import { makeSuperuser, makeWebhook } from '../helpers/factories'
import { TARGET_REFUSED } from '../../services/messaging/outboundAddress'

const CREATE_WEBHOOK = 'mutation($data: WebhookCreateInput!) { createWebhook(data: $data) { id targetUrl } }'
const CREATE_GROUP = 'mutation($i: PermissionGroupInput!) { permissionGroupCreate(input: $i) { errors { code } } }'
const PUBLIC_V4 = '93.184.216.34'

// each name's answers, one list per lookup; the last one repeats. The first answer is what the
// save-time check sees, the next what the delivery sees.
const DNS_ANSWERS: Record<string, string[][]> = {
  'rebind.example.com': [[PUBLIC_V4], ['127.0.0.1']],
  'mixed.example.com': [[PUBLIC_V4], [PUBLIC_V4, '127.0.0.1']],
  'mapped.example.com': [[PUBLIC_V4], ['::ffff:127.0.0.1']],
  'loopback.example.com': [['127.0.0.1']],
}

// preloaded into the server: dns.lookup answers DNS_ANSWERS' names and hands the rest on
const FAKE_DNS = `
const dns = require('node:dns')
const answers = JSON.parse(process.env.WEBHOOK_SSRF_TEST_DNS)
const asked = {}
const original = dns.lookup
dns.lookup = function lookup (hostname, options, callback) {
  if (typeof options === 'function') { callback = options; options = {} }
  if (typeof options === 'number') options = { family: options }
  const name = String(hostname).toLowerCase().replace(/\\.+$/, '')
  const sequence = answers[name]
  if (!sequence) return original.call(dns, hostname, options, callback)
  asked[name] = (asked[name] || 0) + 1
  const list = sequence[Math.min(asked[name], sequence.length) - 1].map(address => ({ address, family: address.includes(':') ? 6 : 4 }))
  process.nextTick(() => options.all ? callback(null, list) : callback(null, list[0].address, list[0].family))
}
`

type Listener = { port: number; connections: () => number; close: () => Promise<void> }

let dir: string
let server: TestServer
let listener: Listener
let token: string

before(async () => {
  listener = await listenOnLoopback()
  dir = mkdtempSync(path.join(os.tmpdir(), 'identity-ssrf-'))
  const preload = path.join(dir, 'fake-dns.cjs')
  writeFileSync(preload, FAKE_DNS)
  server = await startServer({
    env: {
      NODE_OPTIONS: `--require ${preload}`,
      WEBHOOK_SSRF_TEST_DNS: JSON.stringify(DNS_ANSWERS),
      OUTBOX_POLL_MS: '100',
      OUTBOX_BACKOFF_MS: '100',
    },
  })
  const superuser = await makeSuperuser(server.context)
  token = await tokenFor(server.context, superuser.id)
})

after(async () => {
  await server?.stop()
  await listener?.close()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

// a TCP listener on loopback that counts every connection, TLS or not, and answers nothing
async function listenOnLoopback(): Promise<Listener> {
  const sockets: Socket[] = []
  const tcp = createServer(socket => {
    sockets.push(socket)
  })
  await new Promise<void>(resolve => tcp.listen(0, '127.0.0.1', resolve))
  return {
    port: (tcp.address() as AddressInfo).port,
    connections: () => sockets.length,
    close: () =>
      new Promise<void>(resolve => {
        for (const socket of sockets) socket.destroy()
        tcp.close(() => resolve())
      }),
  }
}

async function createWebhook(targetUrl: string, events: string[] = []) {
  return server.gql(
    CREATE_WEBHOOK,
    {
      data: {
        name: `hook-${randomBytes(3).toString('hex')}`,
        targetUrl,
        secret: `whsec_${randomBytes(18).toString('base64url')}`,
        events,
      },
    },
    { token },
  )
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const value = await probe()
    if (value) return value
    await new Promise(resolve => setTimeout(resolve, 50))
  }
  throw new Error(`timed out waiting for ${what}`)
}

// an IPv4 address, an IPv6 address (two groups or more), or a port after a colon
const ADDRESS_OR_PORT = /\b\d{1,3}(?:\.\d{1,3}){3}\b|[0-9a-f]{0,4}:[0-9a-f]{0,4}:|:\d{2,5}\b/i

for (const url of [
  'https://localhost./',
  'https://[::127.0.0.1]/',
  'https://[64:ff9b::7f00:1]/',
  'https://[fec0::1]/',
  'https://[::ffff:127.0.0.1]/',
  'https://vm:8443/',
  'https://metadata.google.internal./computeMetadata/v1/',
]) {
  test(`createWebhook in production refuses ${url} with a validation error naming targetUrl, and stores nothing`, async () => {
    // given
    const before = await server.context.prisma.webhook.count()

    // when
    const res = await createWebhook(url)

    // then
    assert.equal(res.body.data?.createWebhook ?? null, null)
    assert.equal(res.body.errors?.[0]?.extensions?.code, 'KS_VALIDATION_FAILURE')
    assert.match(
      res.body.errors[0].message,
      /targetUrl: The URL must not point to a private, loopback or link-local address\./,
    )
    assert.equal(await server.context.prisma.webhook.count(), before)
  })
}

test('createWebhook in production refuses a name that resolves to loopback when it is saved', async () => {
  // given
  const before = await server.context.prisma.webhook.count()

  // when
  const res = await createWebhook(`https://loopback.example.com:${listener.port}/hook`)

  // then
  assert.equal(res.body.data?.createWebhook ?? null, null)
  assert.equal(res.body.errors?.[0]?.extensions?.code, 'KS_VALIDATION_FAILURE')
  assert.match(
    res.body.errors[0].message,
    /targetUrl: The URL's host resolves to a private, loopback or link-local address\./,
  )
  assert.equal(await server.context.prisma.webhook.count(), before)
})

test('createWebhook in production accepts a public IPv4 literal and a public IPv4 written as an IPv4-mapped IPv6 address', async () => {
  // when
  const ipv4 = await createWebhook('https://93.184.216.34/hook')
  const mapped = await createWebhook('https://[::ffff:8.8.8.8]/hook')

  // then
  assert.equal(ipv4.body.errors, undefined, JSON.stringify(ipv4.body.errors))
  assert.equal(mapped.body.errors, undefined, JSON.stringify(mapped.body.errors))
  assert.equal(ipv4.body.data.createWebhook.targetUrl, 'https://93.184.216.34/hook')
  assert.equal(mapped.body.data.createWebhook.targetUrl, 'https://[::ffff:8.8.8.8]/hook')
})

test('deliveries to names that resolve to loopback at send time, and to loopback literals stored before the rules, reach nothing and record no address or port', async () => {
  // given: three names that passed the save-time check, each now answering loopback its own
  // way, and two loopback literals written past the list's validation (the test process is not
  // in production), as rows saved before these rules would be; all aimed at the listener's port
  const targets = ['rebind.example.com', 'mixed.example.com', 'mapped.example.com'].map(
    name => `https://${name}:${listener.port}/hook`,
  )
  const ids: string[] = []
  for (const targetUrl of targets) {
    const res = await createWebhook(targetUrl, ['PERMISSION_GROUP_CREATED'])
    assert.equal(
      res.body.errors,
      undefined,
      `${targetUrl} was refused at save time: ${JSON.stringify(res.body.errors)}`,
    )
    ids.push(res.body.data.createWebhook.id)
  }
  for (const targetUrl of [
    `https://127.0.0.1:${listener.port}/hook`,
    `https://[::ffff:127.0.0.1]:${listener.port}/hook`,
  ]) {
    const row = await makeWebhook(server.context, {
      name: 'stored-before',
      targetUrl,
      events: ['PERMISSION_GROUP_CREATED'],
    })
    ids.push(String(row.id))
  }

  // when
  const res = await server.gql(CREATE_GROUP, { i: { name: `group-${randomBytes(3).toString('hex')}` } }, { token })
  assert.deepEqual(res.body.data?.permissionGroupCreate?.errors, [], JSON.stringify(res.body))

  // then
  const deliveries = await waitFor('every delivery to be attempted', async () => {
    const rows = await server.context.prisma.webhookDelivery.findMany({
      where: { webhookId: { in: ids } },
      include: { webhook: { select: { targetUrl: true } } },
    })
    return rows.length === ids.length && rows.every(row => row.attempts > 0 && row.status !== 'sending') && rows
  })
  await new Promise(resolve => setTimeout(resolve, 300))
  assert.equal(listener.connections(), 0)
  assert.deepEqual(
    deliveries.map(row => row.status),
    ids.map(() => 'failed'),
  )
  const byTarget = Object.fromEntries(deliveries.map(row => [row.webhook!.targetUrl, row.lastError]))
  for (const target of targets) assert.equal(byTarget[target], TARGET_REFUSED, target)
  assert.equal(
    byTarget[`https://127.0.0.1:${listener.port}/hook`],
    'target URL refused: The URL must not point to a private, loopback or link-local address.',
  )
  assert.equal(
    byTarget[`https://[::ffff:127.0.0.1]:${listener.port}/hook`],
    'target URL refused: The URL must not point to a private, loopback or link-local address.',
  )
  for (const row of deliveries) {
    assert.equal(row.attempts, 1)
    assert.equal(row.lastStatusCode, null)
    const errors = [row.lastError, ...(row.log as { error?: string }[]).map(entry => entry.error ?? '')]
    for (const error of errors) {
      assert.doesNotMatch(error, ADDRESS_OR_PORT)
      assert.ok(!error.includes(String(listener.port)), error)
    }
  }
})
