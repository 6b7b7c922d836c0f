// services/users/names.ts: the one length rule of a user's names, as every path applies it.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { MAX_NAME_LENGTHS, nameProblems } from '../../../../services/users/names'

test('first and last names hold 256 characters and the full name 512', () => {
  assert.deepEqual(MAX_NAME_LENGTHS, { firstName: 256, lastName: 256, name: 512 })
  assert.deepEqual(nameProblems({ firstName: 'x'.repeat(256), lastName: 'y'.repeat(256), name: 'z'.repeat(512) }), [])
})

test('every name past its length is INVALID on its own field, all at once', () => {
  // when
  const problems = nameProblems({ firstName: 'x'.repeat(257), lastName: 'ok', name: 'z'.repeat(513) })

  // then
  assert.deepEqual(
    problems.map(problem => [problem.field, problem.code]),
    [
      ['firstName', 'INVALID'],
      ['name', 'INVALID'],
    ],
  )
  assert.match(problems[0]!.message, /at most 256 characters/)
})

test('absent and null names are not judged', () => {
  assert.deepEqual(nameProblems({ firstName: null, lastName: undefined }), [])
})
