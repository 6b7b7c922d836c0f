// services/messaging/webhooks.ts: a payload never carries a secret or a hash, the signature is the hex HMAC
// of the exact body, and retries back off exponentially up to a cap (services/messaging/deliveryQueue.ts).
import '../../../helpers/env'
import { createHmac } from 'node:crypto'
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { sanitizeForWebhook, signWebhookBody, userWebhookPayload } from '../../../../services/messaging/webhooks'
import { MAX_BACKOFF_MS, backoff } from '../../../../services/messaging/deliveryQueue'

const SECRET_KEYS = [
  'password',
  'passwordHash',
  'jwtTokenKey',
  'customerTokenHash',
  'token',
  'tokenHash',
  'secret',
  'privateMetadata',
  'sealedSecrets',
  'refreshToken',
  'csrfToken',
]
const ARGON2 = '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA'
const BCRYPT = [
  '$2a$10$abcdefghijklmnopqrstuuQ7y7Zk1t8bA0b1c2d3e4f5g6h7i8j9k',
  '$2b$12$abcdefghijklmnopqrstuu',
  '$2y$10$abcdefghijklmnopqrstuu',
]

// every secret key, in three spellings, with a marker value that must not survive
function secretsAt(marker: string): Record<string, string> {
  return Object.fromEntries(
    SECRET_KEYS.flatMap(key => [
      [key, marker],
      [key.toUpperCase(), marker],
      [key.toLowerCase(), marker],
    ]),
  )
}

test('the sanitizer drops every secret key, whatever its case, at the top and at any depth', () => {
  // given
  const marker = 'do-not-send-this'
  const value = {
    ...secretsAt(marker),
    user: { id: 'u1', ...secretsAt(marker), addresses: [{ city: 'Paris', ...secretsAt(marker) }] },
    deep: { a: { b: { c: [[{ ...secretsAt(marker), keep: 1 }]] } } },
  }

  // when
  const clean = sanitizeForWebhook(value)

  // then
  const text = JSON.stringify(clean)
  assert.ok(!text.includes(marker), text)
  assert.deepEqual(clean, {
    user: { id: 'u1', addresses: [{ city: 'Paris' }] },
    deep: { a: { b: { c: [[{ keep: 1 }]] } } },
  })
})

test('the sanitizer drops snake_case spellings and keys that end like a secret', () => {
  // given
  const value = {
    password_hash: 'x',
    'refresh-token': 'x',
    newPassword: 'x',
    accessToken: 'x',
    clientSecret: 'x',
    private_metadata: { a: 1 },
    tokenCount: 3,
    hasAccount: true,
  }

  // when
  const clean = sanitizeForWebhook(value)

  // then
  assert.deepEqual(clean, { tokenCount: 3, hasAccount: true })
})

test('the sanitizer drops argon2 and bcrypt hashes under any key and inside arrays', () => {
  // given
  const value = {
    harmless: ARGON2,
    nested: { bio: BCRYPT[0], list: [BCRYPT[1], 'kept', BCRYPT[2]] },
    price: '$20',
    dollar: '$2 off',
  }

  // when
  const clean = sanitizeForWebhook(value)

  // then
  assert.deepEqual(clean, { nested: { list: ['kept'] }, price: '$20', dollar: '$2 off' })
})

test('the sanitizer turns dates into ISO strings and survives a cycle', () => {
  // given
  const joined = new Date('2026-01-02T03:04:05.000Z')
  const value: Record<string, unknown> = { joined, count: 2n, nothing: null }
  value.self = value

  // when
  const clean = sanitizeForWebhook(value)

  // then
  assert.deepEqual(clean, { joined: '2026-01-02T03:04:05.000Z', count: '2', nothing: null })
})

test('a user payload keeps the public fields only, never note, private metadata, the hash or a token', () => {
  // given
  const row = {
    id: 'u1',
    email: 'casey@example.com',
    firstName: 'Casey',
    lastName: 'Jones',
    name: 'Casey Jones',
    password: ARGON2,
    jwtTokenKey: 'jwt-key',
    customerTokenHash: 'token-hash',
    customerTokenIssuedAt: new Date(),
    isActive: true,
    isStaff: false,
    isSuperuser: false,
    isConfirmed: true,
    dateJoined: new Date('2026-01-02T03:04:05.000Z'),
    updatedAt: new Date('2026-01-03T03:04:05.000Z'),
    lastLogin: new Date(),
    languageCode: 'fr',
    phone: '+33612345678',
    note: { text: 'difficult customer' },
    metadata: { newsletter: 'yes' },
    privateMetadata: { fraudScore: 99 },
    externalReference: 'ext-1',
    orderWebhookUrl: 'https://x.test/hook',
  }

  // when
  const payload = userWebhookPayload(row)

  // then
  assert.deepEqual(payload, {
    id: 'u1',
    email: 'casey@example.com',
    firstName: 'Casey',
    lastName: 'Jones',
    name: 'Casey Jones',
    isStaff: false,
    isActive: true,
    isConfirmed: true,
    languageCode: 'fr',
    dateJoined: '2026-01-02T03:04:05.000Z',
    updatedAt: '2026-01-03T03:04:05.000Z',
    metadata: { newsletter: 'yes' },
  })
})

test('the signature is the hex HMAC-SHA256 of the exact body bytes with the secret', () => {
  // given
  const secret = 'whsec-0123456789abcdef'
  const body = '{"event":"CUSTOMER_CREATED","data":{"name":"Zoë ✓"}}'

  // when
  const signature = signWebhookBody(body, secret)

  // then
  assert.match(signature, /^[0-9a-f]{64}$/)
  assert.equal(signature, createHmac('sha256', secret).update(Buffer.from(body, 'utf8')).digest('hex'))
  assert.notEqual(signWebhookBody(body.replace(':', ': '), secret), signature)
  assert.notEqual(signWebhookBody(body, `${secret}x`), signature)
})

test('the retry delay doubles from its base with at most 10 % jitter, and stops growing at 15 minutes', () => {
  // given
  const base = 2000

  // when
  const low = [1, 2, 3, 4, 5].map(attempts => backoff(attempts, base, () => 0))
  const middle = [1, 2, 3, 4, 5].map(attempts => backoff(attempts, base, () => 0.5))
  const high = [1, 2, 3, 4, 5].map(attempts => backoff(attempts, base, () => 1))
  const late = [10, 12, 50, 1000].map(attempts => backoff(attempts, base, () => 0.5))

  // then
  assert.deepEqual(middle, [2000, 4000, 8000, 16000, 32000])
  assert.deepEqual(low, [1800, 3600, 7200, 14400, 28800])
  assert.deepEqual(high, [2200, 4400, 8800, 17600, 35200])
  assert.deepEqual(late, [MAX_BACKOFF_MS, MAX_BACKOFF_MS, MAX_BACKOFF_MS, MAX_BACKOFF_MS])
  assert.equal(MAX_BACKOFF_MS, 15 * 60_000)
  for (let attempts = 1; attempts <= 40; attempts++) {
    const delay = backoff(attempts, base)
    assert.ok(
      delay <= MAX_BACKOFF_MS * 1.1 && delay >= Math.min(MAX_BACKOFF_MS, base * 2 ** (attempts - 1)) * 0.9,
      `attempt ${attempts}: ${delay}`,
    )
  }
})
