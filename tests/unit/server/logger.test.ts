// server/logger.ts as plain functions: which fields and which texts are redacted before a line is written.
import '../../helpers/env'
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { redact, scrubText, serializeError } from '../../../server/logger'
import { requestIdFor } from '../../../server/http'
import { findSecrets } from '../../helpers/serverLogs'

const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIiwiZXhwIjoxfQ.c2lnbmF0dXJlLWJ5dGVz'
const ARGON2 = '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA'

test('redact replaces every field named like a password, token, secret or hash, and credentials headers, at any depth', () => {
  const line = redact({
    password: 'correct horse battery staple',
    user: { email: 'a@example.com', newPassword: 'x', passwordHash: ARGON2 },
    headers: {
      authorization: `Bearer ${JWT}`,
      cookie: 'keystonejs-session=abc',
      'set-cookie': ['refreshToken=abc'],
      'user-agent': 'curl',
    },
    deep: [{ refreshToken: 'r', csrfToken: 'c', sealedSecrets: 'v1.x', webhookSecret: 's', tokenCreate: 'kept' }],
  })
  assert.deepEqual(line, {
    password: '[Redacted]',
    user: { email: 'a@example.com', newPassword: '[Redacted]', passwordHash: '[Redacted]' },
    headers: { authorization: '[Redacted]', cookie: '[Redacted]', 'set-cookie': '[Redacted]', 'user-agent': 'curl' },
    deep: [
      {
        refreshToken: '[Redacted]',
        csrfToken: '[Redacted]',
        sealedSecrets: '[Redacted]',
        webhookSecret: '[Redacted]',
        tokenCreate: 'kept',
      },
    ],
  })
})

test('scrubText removes hashes, JWTs, Bearer credentials, one-time links, customer tokens and sealed secrets from free text', () => {
  const text = [
    `hash ${ARGON2}`,
    `bcrypt $2b$10$${'a'.repeat(53)}`,
    `jwt ${JWT}`,
    'header Bearer abc.def-ghi',
    'link https://shop.test/confirm?email=a%40b.c&token=s3cr3t-T0ken_value#x',
    'encoded redirect=https%3A%2F%2Fshop.test%2F%3Ftoken%3Ds3cr3t',
    `customer ctk_${'A'.repeat(43)}`,
    `sealed v1.${'a'.repeat(16)}.${'b'.repeat(22)}.${'c'.repeat(40)}`,
  ].join('\n')
  const scrubbed = scrubText(text)
  assert.deepEqual(findSecrets(scrubbed), [])
  assert.match(scrubbed, /confirm\?email=a%40b\.c&token=\[Redacted\]#x/)
})

test('an error is logged as its type, code and scrubbed message and stack', () => {
  const error = Object.assign(new Error(`could not verify ${JWT}`), { code: 'E_TEST' })
  const logged = serializeError(error)
  assert.equal(logged.type, 'Error')
  assert.equal(logged.code, 'E_TEST')
  assert.equal(logged.message, 'could not verify [Redacted]')
  assert.doesNotMatch(String(logged.stack), /eyJ/)
})

test('requestIdFor keeps a sane incoming id and replaces a missing, long or forged one', () => {
  assert.equal(requestIdFor('edge-1:2.3@lb'), 'edge-1:2.3@lb')
  for (const bad of [undefined, '', 'a b', 'x'.repeat(129), 'id"}\n{"level":"fatal'])
    assert.match(requestIdFor(bad), /^[0-9a-f-]{36}$/)
  assert.equal(requestIdFor(['first', 'second']), 'first')
})
