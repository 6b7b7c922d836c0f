// services/messaging/sealing.ts: secrets sealed for the outbox open only unaltered, and never read in clear.
import '../../../helpers/env'
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { openSecrets, sealSecrets } from '../../../../services/kernel/sealing'

// flip one bit of one dot-separated part, keeping the rest of the sealed value intact
function flipBit(sealed: string, part: number): string {
  const parts = sealed.split('.')
  const bytes = Buffer.from(parts[part]!, 'base64url')
  bytes[0] = bytes[0]! ^ 1
  parts[part] = bytes.toString('base64url')
  return parts.join('.')
}

test('a sealed map opens to the same map', () => {
  // given
  const secrets = { token: 'one-time token/+=', other: 'ünïcödé ✓' }

  // when
  const sealed = sealSecrets(secrets)

  // then
  assert.deepEqual(openSecrets(sealed), secrets)
})

test('a sealed value is versioned and does not contain the secret in clear', () => {
  // given
  const token = 'plain-token-value'

  // when
  const sealed = sealSecrets({ token })

  // then
  assert.match(sealed, /^v1\.[\w-]+\.[\w-]+\.[\w-]+$/)
  assert.ok(!sealed.includes(token))
  assert.ok(!Buffer.from(sealed.split('.')[3]!, 'base64url').toString('latin1').includes(token))
})

test('two seals of the same map differ', () => {
  // given
  const secrets = { token: 'same' }

  // when
  const first = sealSecrets(secrets)
  const second = sealSecrets(secrets)

  // then
  assert.notEqual(first, second)
  assert.deepEqual(openSecrets(first), openSecrets(second))
})

test('a sealed value altered in its IV, tag or ciphertext does not open', () => {
  // given
  const sealed = sealSecrets({ token: 'secret' })

  // when / then
  for (const part of [1, 2, 3]) {
    assert.throws(() => openSecrets(flipBit(sealed, part)), /sealed secrets/, `part ${part}`)
  }
})

test('a value of another version, shape or length does not open', () => {
  // given
  const sealed = sealSecrets({ token: 'secret' })
  const [, iv, tag, ciphertext] = sealed.split('.')

  // when / then
  for (const bad of [
    `v2.${iv}.${tag}.${ciphertext}`,
    `${sealed}.extra`,
    `v1.${iv}.${tag}`,
    `v1.${iv}.${tag!.slice(4)}.${ciphertext}`,
    'garbage',
    '',
  ]) {
    assert.throws(() => openSecrets(bad), /sealed secrets/, bad)
  }
})
