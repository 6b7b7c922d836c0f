// services/kernel/emailAddress.ts: one stored form for every way of typing an address (NFKC, case,
// IDNA domain, trailing dot), refusal of characters that render as nothing, and the TR 39
// skeleton that makes look-alikes one account.
import '../../../helpers/env'
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { emailSkeleton, isValidEmail, normalizeEmail } from '../../../../services/kernel/emailAddress'

function stored(email: string): string | undefined {
  const normalized = normalizeEmail(email)
  return isValidEmail(normalized) ? normalized : undefined
}

test('normalizeEmail gives the ASCII form of a fullwidth, upper-case, padded or trailing-dot address', () => {
  for (const typed of [
    'alice@example.com',
    'ALICE@Example.COM',
    '  alice@example.com\t',
    '\u3000alice@example.com\u00a0',
    'ａｌｉｃｅ@ｅｘａｍｐｌｅ.ｃｏｍ',
    'ＡＬＩＣＥ＠ＥＸＡＭＰＬＥ．ＣＯＭ',
    'alice﹫example.com',
    'alice@example.com.',
    'alice@EXAMPLE.COM.',
    'alice@example。com',
    'alice@example｡com',
  ]) {
    assert.equal(stored(typed), 'alice@example.com', JSON.stringify(typed))
  }
})

test('normalizeEmail stores an internationalised domain as punycode, however it is typed', () => {
  for (const typed of [
    'user@münchen.de',
    'user@MÜNCHEN.DE',
    'user@xn--mnchen-3ya.de',
    'user@XN--MNCHEN-3YA.DE',
    'user@münchen.de.',
  ])
    assert.equal(stored(typed), 'user@xn--mnchen-3ya.de', JSON.stringify(typed))
  // NFKC first: a decomposed ü is the same domain
  assert.equal(stored('user@mu\u0308nchen.de'), 'user@xn--mnchen-3ya.de')
})

test('normalizeEmail lower-cases a Unicode local part and keeps it NFKC', () => {
  assert.equal(stored('ÀLICE@example.com'), 'àlice@example.com')
  assert.equal(stored('A\u0300LICE@example.com'), 'àlice@example.com')
  assert.equal(stored('ﬁona@example.com'), 'fiona@example.com')
  // what JavaScript lower-cases İ to: i and a combining dot above
  assert.equal(stored('İNFO@example.com'), 'i\u0307nfo@example.com')
})

test('isValidEmail refuses zero-width, bidi, soft-hyphen, variation-selector, tag and control characters, wherever they are', () => {
  const hidden = {
    'zero-width space': '\u200b',
    'zero-width non-joiner': '\u200c',
    'zero-width joiner': '\u200d',
    'word joiner': '\u2060',
    'byte order mark': '\ufeff',
    'soft hyphen': '\u00ad',
    'left-to-right mark': '\u200e',
    'right-to-left override': '\u202e',
    'first strong isolate': '\u2068',
    'Arabic letter mark': '\u061c',
    'variation selector 16': '\ufe0f',
    'variation selector 17': '\u{e0100}',
    'Mongolian vowel separator': '\u180e',
    'Hangul filler': '\u3164',
    'combining grapheme joiner': '\u034f',
    'tag letter a': '\u{e0061}',
    NUL: '\u0000',
    escape: '\u001b',
    delete: '\u007f',
    'C1 next line': '\u0085',
    'line separator': '\u2028',
    'private use': '\ue000',
    unassigned: '\u0378',
    'lone surrogate': '\ud800',
  }
  for (const [name, char] of Object.entries(hidden)) {
    for (const typed of [
      `al${char}ice@example.com`,
      `alice@exa${char}mple.com`,
      `${char}alice@example.com`,
      `alice@example.com${char}`,
    ]) {
      assert.equal(stored(typed), undefined, `${name} in ${JSON.stringify(typed)}`)
    }
  }
})

test('isValidEmail refuses an invalid IDNA domain, an empty label, a bare host and the old shapes it always refused', () => {
  for (const typed of [
    'user@xn--zz.com',
    'user@example..com',
    'user@.example.com',
    'user@example.com..',
    'user@localhost',
    'user@[192.0.2.1]',
    'user@exa mple.com',
    'user@exa%mple.com',
    `user@${'a'.repeat(64)}.com`,
    'two@at@example.com',
    '@example.com',
    'user@',
    'user',
    '',
    `${'a'.repeat(250)}@example.com`,
  ]) {
    assert.equal(stored(typed), undefined, JSON.stringify(typed))
  }
  assert.equal(stored(`user@${'a'.repeat(63)}.com`), `user@${'a'.repeat(63)}.com`)
})

test('normalizeEmail is idempotent on every valid address it makes from any single BMP character', () => {
  for (let code = 0; code < 0x10000; code++) {
    if (code >= 0xd800 && code < 0xe000) continue
    const char = String.fromCodePoint(code)
    // every character in the local part; in the domain (IDNA, slower), every third
    for (const typed of code % 3 === 0
      ? [`a${char}b@example.com`, `ab@ex${char}ample.com`]
      : [`a${char}b@example.com`]) {
      const once = normalizeEmail(typed)
      if (!isValidEmail(once)) continue
      assert.equal(normalizeEmail(once), once, `U+${code.toString(16)}`)
      assert.equal(emailSkeleton(normalizeEmail(once)), emailSkeleton(once))
    }
  }
})

test('emailSkeleton makes look-alikes one: Cyrillic, Greek, dotless and dotted i, rn and m, digits and letters', () => {
  const same = [
    ['alice@example.com', 'аlice@example.com'], // Cyrillic а
    ['alice@example.com', 'ALİCE@example.com'], // dotted capital I, lower-cased to i + U+0307
    ['alice@example.com', 'alıce@example.com'], // dotless ı
    ['alice@example.com', 'alice@exаmple.com'], // Cyrillic а in the domain, stored as punycode
    ['alice@example.com', 'alice@xn--exmple-4nf.com'], // the same domain typed as punycode
    ['paypal@example.com', 'pаypаl@example.com'],
    ['paypal@example.com', 'paypa1@example.com'], // digit one for l
    ['mary@example.com', 'rnary@example.com'],
    ['olga@example.com', 'οlga@example.com'], // Greek omicron
    ['jose@example.com', 'јose@example.com'], // Cyrillic ј
    ['info@example.com', 'ＩＮＦＯ@example.com'],
  ]
  for (const [a, b] of same) {
    const [left, right] = [stored(a!)!, stored(b!)!]
    assert.ok(left && right, `${a} and ${b} are valid`)
    assert.equal(emailSkeleton(left), emailSkeleton(right), `${a} ~ ${b}`)
  }
})

test('emailSkeleton keeps apart addresses people read as different', () => {
  const different = [
    ['alice@example.com', 'alice@example.org'],
    ['alice@example.com', 'alicia@example.com'],
    ['alice@example.com', 'àlice@example.com'],
    ['user@münchen.de', 'user@munchen.de'],
    ['customer1@example.com', 'customer2@example.com'],
    ['a.b@example.com', 'ab@example.com'],
  ]
  for (const [a, b] of different) assert.notEqual(emailSkeleton(stored(a!)!), emailSkeleton(stored(b!)!), `${a} / ${b}`)
})

test("emailSkeleton gives the seed's demo customers one skeleton each", () => {
  const skeletons = new Set<string>()
  for (let index = 1; index <= 100_000; index++) skeletons.add(emailSkeleton(`customer${index}@example.com`))
  assert.equal(skeletons.size, 100_000)
})
