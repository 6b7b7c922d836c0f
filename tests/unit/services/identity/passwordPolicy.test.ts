// services/identity/passwordPolicy.ts: each rule alone, several together, and the edges of the lengths.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { DomainError, type FieldError } from '../../../../services/kernel/errors'
import {
  MAX_PASSWORD_LENGTH,
  MIN_PASSWORD_LENGTH,
  assertPasswordAcceptable,
  passwordProblems,
  quickRatio,
} from '../../../../services/identity/passwordPolicy'

const john = { email: 'john.smith@example.com', firstName: 'John', lastName: 'Smith', name: 'John Smith' }

// long, unrelated to anyone's name and on no list of common passwords
const PASSPHRASE = 'correct horse battery staple'

const codes = (problems: FieldError[]) => problems.map(problem => problem.code)

// varied enough that no length of it is common, numeric or similar to John
function passwordOfLength(length: number): string {
  const alphabet = 'Vq7#kLw2%Zx9!Rt4'
  return Array.from({ length }, (_, i) => alphabet[(i * 7 + Math.floor(i / 16)) % alphabet.length]).join('')
}

test('the limits are 8 and 256 characters', () => {
  assert.equal(MIN_PASSWORD_LENGTH, 8)
  assert.equal(MAX_PASSWORD_LENGTH, 256)
})

test('an unrelated passphrase passes every rule', () => {
  // when
  const problems = passwordProblems(PASSPHRASE, john)

  // then
  assert.deepEqual(problems, [])
})

test('a password of 7 characters is PASSWORD_TOO_SHORT, and one of 8 is long enough', () => {
  // when
  const short = passwordProblems('k9#vQ2m', john)
  const enough = passwordProblems('k9#vQ2mx', john)

  // then
  assert.deepEqual(short, [
    {
      field: 'password',
      code: 'PASSWORD_TOO_SHORT',
      message: 'This password is too short. It must contain at least 8 characters.',
    },
  ])
  assert.deepEqual(enough, [])
})

test('passwords of 128 and 256 characters are accepted, and one of 257 is INVALID rather than cut', () => {
  // given
  const at128 = passwordOfLength(128)
  const at256 = passwordOfLength(256)
  const at257 = passwordOfLength(257)

  // when
  const problems = [at128, at256, at257].map(password => passwordProblems(password, john))

  // then
  assert.deepEqual(problems[0], [])
  assert.deepEqual(problems[1], [])
  assert.deepEqual(problems[2], [
    {
      field: 'password',
      code: 'INVALID',
      message: 'This password is too long. It must contain at most 256 characters.',
    },
  ])
})

test('lengths count characters, so an emoji counts once and accents are letters like any other', () => {
  assert.deepEqual(codes(passwordProblems('🔒'.repeat(7))), ['PASSWORD_TOO_SHORT'])
  assert.deepEqual(passwordProblems('🔒'.repeat(8)), [])
  assert.deepEqual(passwordProblems('🔒'.repeat(256)), [])
  assert.deepEqual(codes(passwordProblems('🔒'.repeat(257))), ['INVALID'])
  assert.deepEqual(passwordProblems('pässwörd-🔒-grün', john), [])
  assert.deepEqual(passwordProblems('Жёлтый попугай', john), [])
})

test('a common password is PASSWORD_TOO_COMMON whatever its case and surrounding spaces', () => {
  for (const password of ['password1', 'PassWord1', ' password1 ', 'QWERTYUIOP', 'iloveyou2', 'trustno1']) {
    assert.deepEqual(
      passwordProblems(password, john),
      [
        {
          field: 'password',
          code: 'PASSWORD_TOO_COMMON',
          message: 'This password is too common.',
        },
      ],
      password,
    )
  }
})

test('an entirely numeric password is PASSWORD_ENTIRELY_NUMERIC, in any script', () => {
  // when
  const latin = passwordProblems('73914286', john)
  const arabicIndic = passwordProblems('٧٣٩١٤٢٨٦', john)
  const mixed = passwordProblems('73914286x', john)

  // then
  const numeric: FieldError = {
    field: 'password',
    code: 'PASSWORD_ENTIRELY_NUMERIC',
    message: 'This password is entirely numeric.',
  }
  assert.deepEqual(latin, [numeric])
  assert.deepEqual(arabicIndic, [numeric])
  assert.deepEqual(mixed, [])
})

test("a password like the email's local part is PASSWORD_TOO_SIMILAR to the email address", () => {
  // when
  const problems = passwordProblems('johnsmith1', { email: john.email })

  // then
  assert.deepEqual(problems, [
    {
      field: 'password',
      code: 'PASSWORD_TOO_SIMILAR',
      message: 'The password is too similar to the email address.',
    },
  ])
})

test('a password like the whole email, a part of it or its letters shuffled is too similar', () => {
  for (const password of [
    'john.smith@example.com',
    'JOHN.SMITH@EXAMPLE.COM',
    'Smith-John',
    'htimsnhoj',
    'example.com1',
  ]) {
    assert.deepEqual(codes(passwordProblems(password, { email: john.email })), ['PASSWORD_TOO_SIMILAR'], password)
  }
})

test('each of first name, last name and name is named when the password is too similar to it', () => {
  const message = (password: string, user: Parameters<typeof passwordProblems>[1]) =>
    passwordProblems(password, user)[0]?.message

  assert.equal(message('gwendolyn99', { firstName: 'Gwendolyn' }), 'The password is too similar to the first name.')
  assert.equal(message('Fitzgerald!', { lastName: 'Fitzgerald' }), 'The password is too similar to the last name.')
  assert.equal(message('lovelace1815', { name: 'Ada Lovelace' }), 'The password is too similar to the name.')
})

test('a password sharing only some letters with the owner, or holding a short name, is not too similar', () => {
  assert.deepEqual(passwordProblems('jsmith1984', john), [])
  assert.deepEqual(passwordProblems('Tr0ub4dor&3', john), [])
  assert.deepEqual(passwordProblems('palatial alpaca salad bar', { firstName: 'Al' }), [])
})

test('missing, null and empty attributes are ignored', () => {
  assert.deepEqual(passwordProblems(PASSPHRASE, { email: null, firstName: '', lastName: undefined, name: null }), [])
  assert.deepEqual(passwordProblems(PASSPHRASE), [])
})

test('every problem is reported at once', () => {
  // when
  const problems = passwordProblems('1234567', john)

  // then
  assert.deepEqual(codes(problems), ['PASSWORD_TOO_SHORT', 'PASSWORD_TOO_COMMON', 'PASSWORD_ENTIRELY_NUMERIC'])
  assert.deepEqual(codes(passwordProblems('john', john)), [
    'PASSWORD_TOO_SHORT',
    'PASSWORD_TOO_SIMILAR',
    'PASSWORD_TOO_COMMON',
  ])
})

test('assertPasswordAcceptable throws one DomainError with every problem, on the field it is given', () => {
  // when
  const attempt = () => assertPasswordAcceptable('1234567', john, { field: 'newPassword' })

  // then
  assert.throws(attempt, (error: unknown) => {
    assert.ok(error instanceof DomainError)
    assert.deepEqual(
      error.errors.map(e => [e.field, e.code]),
      [
        ['newPassword', 'PASSWORD_TOO_SHORT'],
        ['newPassword', 'PASSWORD_TOO_COMMON'],
        ['newPassword', 'PASSWORD_ENTIRELY_NUMERIC'],
      ],
    )
    return true
  })
  assert.doesNotThrow(() => assertPasswordAcceptable(PASSPHRASE, john))
})

test("quickRatio gives what difflib's SequenceMatcher.quick_ratio gives", () => {
  // values from Python 3: SequenceMatcher(a=a, b=b).quick_ratio()
  assert.equal(quickRatio('johnsmith1', 'john.smith'), 0.9)
  assert.equal(quickRatio('héllo', 'olléh'), 1)
  assert.equal(quickRatio('pass🔒word', '🔒🔒'), 0.18181818181818182)
  assert.equal(quickRatio('correct horse battery staple', 'john.smith@example.com'), 0.44)
  assert.equal(quickRatio('abc', ''), 0)
  assert.equal(quickRatio('', ''), 1)
})

test("a vocabulary's higher minimum counts characters (code points), not UTF-16 units", () => {
  // given: Openfront's minimum; each lock is one character and two UTF-16 units
  const openfront = { minLength: 10 }

  // when
  const nine = passwordProblems('k9#vQ2m🔒🔒', john, openfront)
  const ten = passwordProblems('k9#vQ2m🔒🔒x', john, openfront)

  // then
  assert.deepEqual(nine, [
    {
      field: 'password',
      code: 'PASSWORD_TOO_SHORT',
      message: 'This password is too short. It must contain at least 10 characters.',
    },
  ])
  assert.deepEqual(ten, [])
})

test("a vocabulary's higher minimum is reported with every other problem, on the field it is given", () => {
  // when
  const problems = passwordProblems('password', john, { field: 'newPassword', minLength: 10 })

  // then
  assert.deepEqual(
    problems.map(e => [e.field, e.code]),
    [
      ['newPassword', 'PASSWORD_TOO_SHORT'],
      ['newPassword', 'PASSWORD_TOO_COMMON'],
    ],
  )
})

test("a minimum below the policy's own never lowers it", () => {
  assert.deepEqual(codes(passwordProblems('k9#vQ2m', john, { minLength: 4 })), ['PASSWORD_TOO_SHORT'])
})
