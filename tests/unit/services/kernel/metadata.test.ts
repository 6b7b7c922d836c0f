// services/kernel/metadata.ts: every limit of a metadata map, each at its edge, and the merge of updates.
import '../../../helpers/env'
import { test } from 'node:test'
import assert from 'node:assert/strict'
import {
  MAX_METADATA_BYTES,
  MAX_METADATA_KEYS,
  MAX_METADATA_KEY_LENGTH,
  MAX_METADATA_VALUE_LENGTH,
  mergeMetadata,
  metadataProblem,
} from '../../../../services/kernel/metadata'

function keys(count: number, value = 'v'): Record<string, string> {
  return Object.fromEntries(Array.from({ length: count }, (_, i) => [`key${i}`, value]))
}

test('metadataProblem accepts nothing, an empty map and a map at every limit', () => {
  assert.equal(metadataProblem(undefined), undefined)
  assert.equal(metadataProblem(null), undefined)
  assert.equal(metadataProblem({}), undefined)
  assert.equal(metadataProblem(keys(MAX_METADATA_KEYS)), undefined)
  assert.equal(
    metadataProblem({ ['k'.repeat(MAX_METADATA_KEY_LENGTH)]: 'v'.repeat(MAX_METADATA_VALUE_LENGTH) }),
    undefined,
  )
})

test('metadataProblem refuses a key longer than 256 characters', () => {
  assert.equal(MAX_METADATA_KEY_LENGTH, 256)
  assert.match(
    metadataProblem({ ['k'.repeat(257)]: 'v' }) ?? '',
    /^keys may be at most 256 characters long \("k{20}…" is 257\)$/,
  )
})

test('metadataProblem refuses more than 100 keys, a value longer than 2000 characters, an empty key and a non-string value', () => {
  assert.equal(metadataProblem(keys(MAX_METADATA_KEYS + 1)), 'may hold at most 100 keys')
  assert.match(
    metadataProblem({ a: 'v'.repeat(MAX_METADATA_VALUE_LENGTH + 1) }) ?? '',
    /value of "a" is longer than 2000 characters/,
  )
  assert.equal(metadataProblem({ ' ': 'v' }), 'keys must not be empty')
  assert.match(metadataProblem({ a: { nested: 'x' } }) ?? '', /value of "a" must be a string/)
  assert.equal(metadataProblem(['a']), 'must be an object of string values')
  assert.equal(metadataProblem('text'), 'must be an object of string values')
})

test('metadataProblem refuses a map over 64 KiB as JSON though every key and value is within its own limit', () => {
  // given 40 values of 2000 characters: about 80 KB
  const big = keys(40, 'v'.repeat(MAX_METADATA_VALUE_LENGTH))
  // then
  assert.match(
    metadataProblem(big) ?? '',
    new RegExp(`^may take at most ${MAX_METADATA_BYTES} bytes as JSON, not \\d+$`),
  )
  // and bytes, not characters: 2000 three-byte characters weigh 6000 bytes each
  assert.equal(metadataProblem(keys(10, '€'.repeat(MAX_METADATA_VALUE_LENGTH))), undefined)
  assert.ok(metadataProblem(keys(11, '€'.repeat(MAX_METADATA_VALUE_LENGTH))))
})

test('mergeMetadata sets the given keys over the stored ones, so the result is what the limits must hold for', () => {
  assert.deepEqual(mergeMetadata({ keep: 'me', change: 'old' }, { change: 'new', add: 'x' }), {
    keep: 'me',
    change: 'new',
    add: 'x',
  })
  assert.deepEqual(mergeMetadata(null, { a: 'b' }), { a: 'b' })
  assert.deepEqual(mergeMetadata(['junk'], { a: 'b' }), { a: 'b' })
  assert.equal(
    metadataProblem(
      mergeMetadata(keys(60), Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`other${i}`, 'v']))),
    ),
    'may hold at most 100 keys',
  )
})
