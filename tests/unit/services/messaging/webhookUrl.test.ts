// services/messaging/webhookUrl.ts and services/users/searchDocument.ts as plain functions: the webhook URL rules
// outside production, and in production (asked for explicitly), as written and where the host
// resolves at save time through a resolver the test controls.
import '../../../helpers/env'
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { assertSafeWebhookTarget, assertSafeWebhookUrl } from '../../../../services/messaging/webhookUrl'
import type { Resolver } from '../../../../services/messaging/outboundAddress'
import { searchDocumentOf } from '../../../../services/users/searchDocument'
import { searchTermOf } from '../../../../services/users/search'

test('assertSafeWebhookUrl accepts https anywhere public and plain http to localhost in development', () => {
  assert.equal(assertSafeWebhookUrl('https://hooks.example.com/a?b=1', 'url'), 'https://hooks.example.com/a?b=1')
  assert.equal(assertSafeWebhookUrl('http://localhost:4000/hook', 'url'), 'http://localhost:4000/hook')
})

test('assertSafeWebhookUrl refuses plain http to a public host, other schemes and credentials, naming the field', () => {
  for (const url of [
    'http://hooks.example.com/a',
    'ftp://hooks.example.com/a',
    'https://user:pass@hooks.example.com/',
    'not a url',
  ]) {
    assert.throws(
      () => assertSafeWebhookUrl(url, 'targetUrl'),
      (error: any) => error.errors[0].field === 'targetUrl' && error.errors[0].code === 'INVALID',
    )
  }
})

// the finding's URLs: names internal by spelling, and literals that are loopback, private or
// site-local however they are written
const INTERNAL_TARGETS = [
  'https://vm:8443/hook',
  'https://localhost./',
  'https://LOCALHOST/',
  'https://api.localhost/',
  'https://metadata.google.internal./',
  'https://printer.local/',
  'https://nas.home.arpa/',
  'https://[::127.0.0.1]/',
  'https://[64:ff9b::7f00:1]/',
  'https://[fec0::1]/',
  'https://[::ffff:127.0.0.1]/',
  'https://[::1]/',
  'https://[fd00::1]/',
  'https://[fe80::1]/',
  'https://127.0.0.1./',
  'https://0x7f.1/',
  'https://2130706433/',
  'https://169.254.169.254/latest',
  'https://10.1.2.3/',
  'https://100.64.0.1/',
  'https://0.0.0.0/',
]

function refusedAs(field: string, message: RegExp) {
  return (error: any) =>
    error.errors.length === 1 &&
    error.errors[0].field === field &&
    error.errors[0].code === 'INVALID' &&
    message.test(error.errors[0].message)
}

// a resolver with fixed answers that records what it was asked
function resolverOf(answers: Record<string, string[]>): Resolver & { asked: string[] } {
  const asked: string[] = []
  const resolve = async (hostname: string) => {
    asked.push(hostname)
    const addresses = answers[hostname]
    if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' })
    return addresses.map(address => ({ address, family: address.includes(':') ? 6 : 4 }))
  }
  return Object.assign(resolve, { asked })
}

for (const url of INTERNAL_TARGETS) {
  test(`assertSafeWebhookUrl in production refuses ${url} as an internal address`, () => {
    assert.throws(
      () => assertSafeWebhookUrl(url, 'targetUrl', { production: true }),
      refusedAs('targetUrl', /must not point to a private, loopback or link-local address/),
    )
  })
}

test('assertSafeWebhookUrl in production accepts a public IPv4 literal, a mapped public IPv4, a public IPv6 and a public name with a trailing dot', () => {
  for (const url of [
    'https://93.184.216.34/hook',
    'https://[::ffff:8.8.8.8]/hook',
    'https://[2606:4700:4700::1111]/hook',
    'https://hooks.example.com./hook',
    'https://127.0.0.1.nip.io/hook',
  ]) {
    assert.equal(assertSafeWebhookUrl(url, 'targetUrl', { production: true }), new URL(url).toString(), url)
  }
})

test('assertSafeWebhookUrl in production refuses plain http even to a public address', () => {
  assert.throws(
    () => assertSafeWebhookUrl('http://93.184.216.34/hook', 'orderWebhookUrl', { production: true }),
    refusedAs('orderWebhookUrl', /must use https/),
  )
})

test('assertSafeWebhookUrl outside production still lets plain http reach loopback, for development', () => {
  for (const url of ['http://127.0.0.1:4000/hook', 'http://localhost.:4000/hook', 'http://[::1]:4000/hook']) {
    assert.equal(assertSafeWebhookUrl(url, 'targetUrl', { production: false }), new URL(url).toString(), url)
  }
})

for (const [url, answers] of [
  ['https://127.0.0.1.nip.io/hook', ['127.0.0.1']],
  ['https://rebind.example.com/hook', ['93.184.216.34', '10.0.0.5']],
  ['https://mapped.example.com/hook', ['::ffff:169.254.169.254']],
] as const) {
  test(`assertSafeWebhookTarget in production refuses ${url}, which resolves to ${answers.join(', ')}`, async () => {
    // given
    const resolve = resolverOf({ [new URL(url).hostname]: [...answers] })

    // when, then
    await assert.rejects(
      assertSafeWebhookTarget(url, 'targetUrl', { production: true, resolve }),
      refusedAs('targetUrl', /resolves to a private, loopback or link-local address/),
    )
    assert.deepEqual(resolve.asked, [new URL(url).hostname])
  })
}

test('assertSafeWebhookTarget in production accepts a name that resolves only to public addresses, and one that does not resolve from here', async () => {
  // given
  const resolve = resolverOf({ 'hooks.example.com': ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946'] })

  // when
  const resolving = await assertSafeWebhookTarget('https://hooks.example.com/hook', 'targetUrl', {
    production: true,
    resolve,
  })
  const unresolved = await assertSafeWebhookTarget('https://not-yet.example.com/hook', 'targetUrl', {
    production: true,
    resolve,
  })

  // then
  assert.equal(resolving, 'https://hooks.example.com/hook')
  assert.equal(unresolved, 'https://not-yet.example.com/hook')
  assert.deepEqual(resolve.asked, ['hooks.example.com', 'not-yet.example.com'])
})

test('assertSafeWebhookTarget gives up a resolution that takes longer than its limit and lets the URL through', async () => {
  // given
  const resolve: Resolver = () => new Promise(() => {})
  const started = Date.now()

  // when
  const url = await assertSafeWebhookTarget('https://slow.example.com/hook', 'targetUrl', {
    production: true,
    resolve,
    timeoutMs: 50,
  })

  // then
  assert.equal(url, 'https://slow.example.com/hook')
  assert.ok(Date.now() - started < 10_000, 'a resolver that never answers is given up at the timeout')
})

test('assertSafeWebhookTarget refuses an internal literal or name before resolving anything, and outside production resolves nothing', async () => {
  // given
  const resolve = resolverOf({ 'hooks.example.com': ['127.0.0.1'] })

  // when
  await assert.rejects(
    assertSafeWebhookTarget('https://[64:ff9b::7f00:1]/', 'targetUrl', { production: true, resolve }),
    refusedAs('targetUrl', /must not point to a private/),
  )
  await assert.rejects(
    assertSafeWebhookTarget('https://vm:8443/', 'targetUrl', { production: true, resolve }),
    refusedAs('targetUrl', /must not point to a private/),
  )
  const development = await assertSafeWebhookTarget('https://hooks.example.com/hook', 'targetUrl', {
    production: false,
    resolve,
  })

  // then
  assert.equal(development, 'https://hooks.example.com/hook')
  assert.deepEqual(resolve.asked, [])
})

test("the search document holds the user's and its addresses' fields, lower-cased, and search matches it lower-cased", () => {
  const doc = searchDocumentOf({ email: 'Ada@Example.com', firstName: 'Ada', phone: '+44' }, [
    { city: 'LONDON', postalCode: 'SW1A 2AA' },
  ])
  for (const part of ['ada@example.com', 'ada', '+44', 'london', 'sw1a 2aa']) assert.ok(doc.includes(part), part)
  assert.equal(searchTermOf('  SW1A '), 'sw1a')
})
