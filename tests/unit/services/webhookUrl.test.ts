// services/webhookUrl.ts and services/searchDocument.ts as plain functions (outside production).
import '../../helpers/env'
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { assertSafeWebhookUrl } from '../../../services/webhookUrl'
import { searchDocumentOf } from '../../../services/searchDocument'
import { searchFilter } from '../../../services/userSearch'

test('assertSafeWebhookUrl accepts https anywhere public and plain http to localhost in development', () => {
  assert.equal(assertSafeWebhookUrl('https://hooks.example.com/a?b=1', 'url'), 'https://hooks.example.com/a?b=1')
  assert.equal(assertSafeWebhookUrl('http://localhost:4000/hook', 'url'), 'http://localhost:4000/hook')
})

test('assertSafeWebhookUrl refuses plain http to a public host, other schemes and credentials, naming the field', () => {
  for (const url of ['http://hooks.example.com/a', 'ftp://hooks.example.com/a', 'https://user:pass@hooks.example.com/', 'not a url']) {
    assert.throws(() => assertSafeWebhookUrl(url, 'targetUrl'), (error: any) => error.errors[0].field === 'targetUrl' && error.errors[0].code === 'INVALID')
  }
})

test('the search document holds the user\'s and its addresses\' fields, lower-cased, and search matches it lower-cased', () => {
  const doc = searchDocumentOf({ email: 'Ada@Example.com', firstName: 'Ada', phone: '+44' }, [{ city: 'LONDON', postalCode: 'SW1A 2AA' }])
  for (const part of ['ada@example.com', 'ada', '+44', 'london', 'sw1a 2aa']) assert.ok(doc.includes(part), part)
  assert.deepEqual(searchFilter('  SW1A '), { searchDocument: { contains: 'sw1a' } })
})
