// services/kernel/trustProxy.ts and services/kernel/clientIp.ts: what each TRUST_PROXY value means, and which
// address a request counts as, on requests built by hand.
import '../../../helpers/env'
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { IncomingMessage } from 'node:http'
import { parseTrustProxy } from '../../../../services/kernel/trustProxy'
import { clientIpOf, clientNetwork } from '../../../../services/kernel/clientIp'

function request(socket: string, forwardedFor?: string): IncomingMessage {
  return {
    headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor },
    socket: { remoteAddress: socket },
  } as unknown as IncomingMessage
}

function ipWith(setting: string | undefined, socket: string, forwardedFor?: string): string {
  return clientIpOf(request(socket, forwardedFor), parseTrustProxy(setting))
}

test('TRUST_PROXY off, in every spelling, reads the socket and ignores X-Forwarded-For', () => {
  for (const setting of [undefined, '', ' ', '0', 'false', 'FALSE', 'no', 'off']) {
    assert.equal(parseTrustProxy(setting), undefined, String(setting))
    assert.equal(ipWith(setting, '192.0.2.1', '203.0.113.9'), '192.0.2.1', String(setting))
  }
})

test('a hop count of 1 believes the last X-Forwarded-For entry, the one the proxy appended, and nothing before it', () => {
  assert.equal(ipWith('1', '10.0.0.1', 'spoofed, 203.0.113.9'), '203.0.113.9')
  assert.equal(ipWith('1', '10.0.0.1'), '10.0.0.1')
})

test('a hop count of 2 believes the second entry from the right', () => {
  assert.equal(ipWith('2', '10.0.0.1', 'spoofed, 203.0.113.9, 10.0.0.2'), '203.0.113.9')
  // fewer entries than hops: the left-most there is
  assert.equal(ipWith('2', '10.0.0.1', '203.0.113.9'), '203.0.113.9')
})

test('true and yes, the old spellings of on, mean one hop', () => {
  for (const setting of ['true', 'TRUE', 'yes']) {
    assert.equal(ipWith(setting, '10.0.0.1', 'spoofed, 203.0.113.9'), '203.0.113.9', setting)
  }
})

test('a list of proxy addresses ignores X-Forwarded-For from a client that connects directly', () => {
  // given a client at 127.0.0.1 that is not the proxy 10.0.0.1, rotating the header
  for (const forged of ['203.0.113.1', '203.0.113.2', '198.51.100.7, 203.0.113.3']) {
    // then it counts as itself every time
    assert.equal(ipWith('10.0.0.1', '127.0.0.1', forged), '127.0.0.1')
  }
})

test('a list of proxy addresses believes the entry its proxy appended, and walks a chain of listed proxies', () => {
  assert.equal(ipWith('10.0.0.1', '10.0.0.1', 'spoofed, 203.0.113.9'), '203.0.113.9')
  // a CIDR range and a second address: every listed hop is skipped, the first other one is the client
  assert.equal(ipWith('10.0.0.0/8, 192.168.1.1', '192.168.1.1', 'spoofed, 203.0.113.9, 10.4.5.6'), '203.0.113.9')
  assert.equal(ipWith('fd00::/8', 'fd00::7', '2001:db8::1'), '2001:db8::1')
  // the socket written as an IPv4-mapped IPv6 address is the same proxy
  assert.equal(ipWith('10.0.0.1', '::ffff:10.0.0.1', '203.0.113.9'), '203.0.113.9')
  // proxy-addr's named ranges
  assert.equal(ipWith('loopback', '127.0.0.1', '203.0.113.9'), '203.0.113.9')
  assert.equal(ipWith('loopback', '10.0.0.1', '203.0.113.9'), '10.0.0.1')
})

test('an invalid TRUST_PROXY is refused with one line naming the variable', () => {
  for (const setting of ['abc', 'maybe', '10.0.0.1,nope', '300.1.1.1', '10.0.0.0/33', '1,10.0.0.1', ',', '-1', '1.5']) {
    assert.throws(
      () => parseTrustProxy(setting),
      (error: Error) => {
        assert.match(
          error.message,
          /^TRUST_PROXY must be off, a hop count such as 1, or a comma list of proxy addresses or CIDR ranges \(got "/,
          setting,
        )
        assert.doesNotMatch(error.message, /\n/)
        return true
      },
      setting,
    )
  }
})

test('clientIpOf without a request is unknown', () => {
  assert.equal(clientIpOf(undefined, parseTrustProxy('1')), 'unknown')
})

test('clientNetwork counts an IPv4 client by its address, or by its /24 when asked, and an IPv6 client by its /64', () => {
  assert.equal(clientNetwork('192.0.2.7'), '192.0.2.7')
  assert.equal(clientNetwork('192.0.2.7', { ipv4Bits: 24 }), '192.0.2.0/24')
  assert.equal(clientNetwork('::ffff:192.0.2.200', { ipv4Bits: 24 }), '192.0.2.0/24')
  assert.notEqual(clientNetwork('192.0.3.7', { ipv4Bits: 24 }), clientNetwork('192.0.2.7', { ipv4Bits: 24 }))
  assert.equal(clientNetwork('2001:db8:1:2::1', { ipv4Bits: 24 }), '2001:db8:1:2::/64')
  assert.equal(clientNetwork('2001:DB8:1:2:ffff::9'), '2001:db8:1:2::/64')
})
