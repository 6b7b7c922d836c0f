// services/messaging/outboundAddress.ts: which addresses are public, which names are internal by spelling,
// and safeLookup through a resolver the test controls: internal and mixed answers refused whole,
// public answers handed to the connection as checked, and no socket opened to a refused name.
import '../../../helpers/env'
import { test } from 'node:test'
import assert from 'node:assert/strict'
import http from 'node:http'
import https from 'node:https'
import { createServer, type AddressInfo, type LookupFunction, type Socket } from 'node:net'
import type { LookupAddress } from 'node:dns'
import {
  TARGET_REFUSED,
  TargetRefusedError,
  isInternalName,
  isPublicAddress,
  resolvePublicAddresses,
  safeLookup,
  type ResolvedAddress,
  type Resolver,
} from '../../../../services/messaging/outboundAddress'

const PUBLIC_V4 = '93.184.216.34'

// the names of the finding, and what a resolver an attacker controls would answer for them
const ANSWERS: Record<string, string[]> = {
  vm: ['127.0.0.1'],
  '127.0.0.1.nip.io': ['127.0.0.1'],
  'metadata.google.internal.': ['169.254.169.254'],
  'mixed.example.com': [PUBLIC_V4, '10.0.0.5'],
  'mapped.example.com': ['::ffff:127.0.0.1'],
  'nat64.example.com': ['64:ff9b::7f00:1'],
  'sitelocal.example.com': ['fec0::1'],
  'hooks.example.com': [PUBLIC_V4, '2606:2800:220:1:248:1893:25c8:1946'],
}

// a resolver that answers from ANSWERS and counts its calls per name
function fakeResolver(answers: Record<string, string[]> = ANSWERS): Resolver & { calls: string[] } {
  const calls: string[] = []
  const resolve = async (hostname: string): Promise<ResolvedAddress[]> => {
    calls.push(hostname)
    await new Promise(resolve => setTimeout(resolve, 1))
    const addresses = answers[hostname]
    if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' })
    return addresses.map(address => ({ address, family: address.includes(':') ? 6 : 4 }))
  }
  return Object.assign(resolve, { calls })
}

// what a lookup function answers, as Node would call it
function lookUp(
  lookup: LookupFunction,
  hostname: string,
  options: { all?: boolean; family?: number } = {},
): Promise<{ error: NodeJS.ErrnoException | null; address: string | LookupAddress[]; family?: number }> {
  return new Promise(resolve =>
    lookup(hostname, options, (error, address, family) => resolve({ error, address, family })),
  )
}

// a TCP listener on loopback that counts every connection made to it, TLS or not
async function listenOnLoopback(): Promise<{ port: number; connections: () => number; close: () => Promise<void> }> {
  const sockets: Socket[] = []
  const server = createServer(socket => {
    sockets.push(socket)
    socket.end('HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n')
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.address() as AddressInfo).port,
    connections: () => sockets.length,
    close: () =>
      new Promise<void>(resolve => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      }),
  }
}

function post(url: string, lookup: LookupFunction): Promise<{ status?: number; error?: NodeJS.ErrnoException }> {
  return new Promise(resolve => {
    const request = (url.startsWith('https:') ? https : http).request(url, { method: 'POST', agent: false, lookup })
    request.on('response', response => {
      response.resume()
      resolve({ status: response.statusCode })
    })
    request.on('error', error => resolve({ error }))
    request.end('{}')
  })
}

test('isPublicAddress accepts public IPv4 and global unicast IPv6, and the IPv6 forms that carry a public IPv4 address', () => {
  for (const address of [
    PUBLIC_V4,
    '8.8.8.8',
    '1.1.1.1',
    '2606:4700:4700::1111',
    '[2a00:1450:4001:81c::200e]',
    '::ffff:8.8.8.8',
    '64:ff9b::808:808',
    '2002:5db8:d822::1',
  ]) {
    assert.equal(isPublicAddress(address), true, address)
  }
})

test('isPublicAddress refuses every loopback, private, link-local, shared, reserved, multicast and broadcast IPv4 address', () => {
  for (const address of [
    '127.0.0.1',
    '127.255.255.254',
    '0.0.0.0',
    '10.1.2.3',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '192.0.0.1',
    '192.0.2.1',
    '198.18.0.1',
    '198.51.100.7',
    '203.0.113.9',
    '224.0.0.1',
    '240.0.0.1',
    '255.255.255.255',
  ]) {
    assert.equal(isPublicAddress(address), false, address)
  }
})

test('isPublicAddress refuses IPv6 loopback, unspecified, site-local, unique-local, link-local, multicast and documentation addresses, and the embedded forms of internal IPv4', () => {
  for (const address of [
    '::1',
    '::',
    '[::1]',
    'fec0::1',
    'fc00::1',
    'fd12:3456::1',
    'fe80::1',
    'fe80::1%eth0',
    'ff02::1',
    '2001:db8::1',
    '3fff::1',
    '2001::1',
    '100::1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::127.0.0.1',
    '::ffff:10.0.0.1',
    '::ffff:169.254.169.254',
    '64:ff9b::7f00:1',
    '64:ff9b::a9fe:a9fe',
    '64:ff9b:1::808:808',
    '2002:7f00:1::1',
    '2002:a00:1::1',
    '::ffff:0:7f00:1',
  ]) {
    assert.equal(isPublicAddress(address), false, address)
  }
})

test('isPublicAddress refuses what is not a canonical IP literal', () => {
  for (const value of [
    '',
    'localhost',
    'hooks.example.com',
    '127.1',
    '0x7f.0.0.1',
    '2130706433',
    '1.2.3.4.5',
    '::ffff:999.0.0.1',
  ]) {
    assert.equal(isPublicAddress(value), false, value)
  }
})

test('isInternalName refuses single labels, localhost and the internal suffixes, with or without a trailing dot, and lets other names through', () => {
  for (const name of [
    'vm',
    'VM.',
    'localhost',
    'localhost.',
    'api.localhost',
    'printer.local',
    'metadata.google.internal',
    'metadata.google.internal.',
    'nas.home.arpa',
    'home.arpa.',
    'box.localdomain',
    '',
    '.',
  ]) {
    assert.equal(isInternalName(name), true, name)
  }
  for (const name of [
    'hooks.example.com',
    'hooks.example.com.',
    '127.0.0.1.nip.io',
    'internal.example.com',
    'local.example.org',
  ]) {
    assert.equal(isInternalName(name), false, name)
  }
})

for (const hostname of [
  'vm',
  '127.0.0.1.nip.io',
  'metadata.google.internal.',
  'mapped.example.com',
  'nat64.example.com',
  'sitelocal.example.com',
]) {
  test(`safeLookup refuses ${hostname}, which resolves to ${ANSWERS[hostname]?.join(', ')}, without naming the address`, async () => {
    // given
    const lookup = safeLookup({ resolve: fakeResolver() })

    // when
    const single = await lookUp(lookup, hostname)
    const all = await lookUp(lookup, hostname, { all: true })

    // then
    for (const { error } of [single, all]) {
      assert.ok(error instanceof TargetRefusedError)
      assert.equal(error.code, 'ERR_TARGET_REFUSED')
      assert.equal(error.message, TARGET_REFUSED)
      assert.ok(!error.message.includes(ANSWERS[hostname]![0]!))
    }
    assert.equal(single.address, '')
    assert.deepEqual(all.address, [])
  })
}

test('safeLookup refuses a name whose answers mix a public and a private address, even when asked for the public family only', async () => {
  // given
  const lookup = safeLookup({
    resolve: fakeResolver({
      'mixed.example.com': [PUBLIC_V4, '10.0.0.5'],
      'dual.example.com': ['2606:4700::6810:84e5', '::1'],
    }),
  })

  // when
  const mixed = await lookUp(lookup, 'mixed.example.com', { all: true })
  const publicFamilyOnly = await lookUp(lookup, 'dual.example.com', { family: 6 })
  const otherFamily = await lookUp(lookup, 'mixed.example.com', { family: 4 })

  // then
  assert.ok(mixed.error instanceof TargetRefusedError)
  assert.ok(publicFamilyOnly.error instanceof TargetRefusedError)
  assert.ok(otherFamily.error instanceof TargetRefusedError)
})

test("safeLookup gives a public name's checked answers, in order, after one resolution, in both of Node's calling forms", async () => {
  // given
  const resolve = fakeResolver()
  const lookup = safeLookup({ resolve })

  // when
  const single = await lookUp(lookup, 'hooks.example.com')
  const all = await lookUp(lookup, 'hooks.example.com', { all: true })
  const ipv6 = await lookUp(lookup, 'hooks.example.com', { family: 6 })

  // then
  assert.deepEqual(single, { error: null, address: PUBLIC_V4, family: 4 })
  assert.deepEqual(all, {
    error: null,
    address: [
      { address: PUBLIC_V4, family: 4 },
      { address: '2606:2800:220:1:248:1893:25c8:1946', family: 6 },
    ],
    family: undefined,
  })
  assert.deepEqual(ipv6, { error: null, address: '2606:2800:220:1:248:1893:25c8:1946', family: 6 })
  assert.deepEqual(resolve.calls, ['hooks.example.com', 'hooks.example.com', 'hooks.example.com'])
})

test('safeLookup passes on a resolver\'s failure and answers "not found" when no answer has the family asked for', async () => {
  // given
  const lookup = safeLookup({ resolve: fakeResolver({ 'v4only.example.com': [PUBLIC_V4] }) })

  // when
  const unknown = await lookUp(lookup, 'nowhere.example.com')
  const noIPv6 = await lookUp(lookup, 'v4only.example.com', { family: 6 })

  // then
  assert.equal(unknown.error?.code, 'ENOTFOUND')
  assert.equal(noIPv6.error?.code, 'ENOTFOUND')
})

test('safeLookup outside production lets loopback answers through, for development', async () => {
  // given
  const lookup = safeLookup({ resolve: fakeResolver(), allowInternal: true })

  // when
  const answer = await lookUp(lookup, 'vm')

  // then
  assert.deepEqual(answer, { error: null, address: '127.0.0.1', family: 4 })
})

test('resolvePublicAddresses refuses a resolver answer that is not an IP address at all', async () => {
  // given
  const resolve: Resolver = async () => [{ address: 'localhost', family: 4 }]

  // when, then
  await assert.rejects(resolvePublicAddresses('odd.example.com', { resolve, allowInternal: true }), TargetRefusedError)
})

test('a request through safeLookup to a name that resolves to loopback opens no connection to the listener there', async () => {
  // given: a listener on loopback, and a name that resolves to it
  const listener = await listenOnLoopback()
  const resolve = fakeResolver({ 'rebind.example.com': ['127.0.0.1'] })
  try {
    // when
    const refused = await post(`http://rebind.example.com:${listener.port}/hook`, safeLookup({ resolve }))
    const httpsRefused = await post(`https://rebind.example.com:${listener.port}/hook`, safeLookup({ resolve }))
    // the same request with the check off reaches it, so the listener would have seen the others
    const allowed = await post(
      `http://rebind.example.com:${listener.port}/hook`,
      safeLookup({ resolve, allowInternal: true }),
    )

    // then
    assert.ok(refused.error instanceof TargetRefusedError)
    assert.ok(httpsRefused.error instanceof TargetRefusedError)
    assert.equal(allowed.status, 200)
    assert.equal(listener.connections(), 1)
  } finally {
    await listener.close()
  }
})

test('a request through safeLookup connects to the address it checked, and a name that rebinds between two requests is refused on the second', async () => {
  // given: a resolver that answers public first and loopback afterwards
  const calls: string[] = []
  const resolve: Resolver = async hostname => {
    calls.push(hostname)
    await new Promise(resolve => setTimeout(resolve, 1))
    return [{ address: calls.length === 1 ? PUBLIC_V4 : '127.0.0.1', family: 4 }]
  }
  const lookup = safeLookup({ resolve })

  // when: the first connection attempt is observed and cut before any packet leaves
  const attempted = await new Promise<{ address: string; port: number }>((resolve, reject) => {
    const request = https.request('https://rebind.example.com:8443/hook', { method: 'POST', agent: false, lookup })
    request.on('socket', socket =>
      socket.once('connectionAttempt', (address: string, port: number) => {
        resolve({ address, port })
        setImmediate(() => request.destroy())
      }),
    )
    request.on('error', error => {
      if (!request.destroyed) reject(error)
    })
    request.end()
  })
  const second = await post('https://rebind.example.com:8443/hook', lookup)

  // then
  assert.deepEqual(attempted, { address: PUBLIC_V4, port: 8443 })
  assert.ok(second.error instanceof TargetRefusedError)
  assert.deepEqual(calls, ['rebind.example.com', 'rebind.example.com'])
})
