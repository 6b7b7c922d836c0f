// services/users/languageCode.ts: the one language code rule of the profile, registration, staff and the User list.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { languageCodeProblems } from '../../../../services/users/languageCode'

test('a language with or without subtags passes', () => {
  for (const code of ['en', 'pl', 'pt-BR', 'zh_Hant', 'fil']) assert.deepEqual(languageCodeProblems(code), [], code)
})

test('anything else is INVALID on languageCode, the empty code included', () => {
  for (const code of ['english!', 'EN', 'e', '', 'en-', 'en US']) {
    assert.deepEqual(
      languageCodeProblems(code).map(problem => [problem.field, problem.code]),
      [['languageCode', 'INVALID']],
      code,
    )
  }
})

test('an absent or null code is not judged', () => {
  assert.deepEqual(languageCodeProblems(undefined), [])
  assert.deepEqual(languageCodeProblems(null), [])
})
