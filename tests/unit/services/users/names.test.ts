// services/users/names.ts: the one length rule of a user's names, as every path applies it, and
// the name model (what `name` holds after a write).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { MAX_NAME_LENGTHS, fullNameOf, nameProblems, nameToStore } from '../../../../services/users/names'

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

// the name model: what `name` holds after a write
const ANNA = { firstName: 'Anna', lastName: 'Nowak', name: 'Anna Nowak' }

test('a new user without a name gets its first and last name joined; with one, that name trimmed', () => {
  assert.equal(nameToStore(null, { firstName: ' Anna ', lastName: 'Nowak' }), 'Anna Nowak')
  assert.equal(nameToStore(null, { firstName: 'Anna' }), 'Anna')
  assert.equal(nameToStore(null, { lastName: 'Nowak', name: '' }), 'Nowak')
  assert.equal(nameToStore(null, {}), '')
  assert.equal(nameToStore(null, { firstName: 'Anna', lastName: 'Nowak', name: ' Ania ' }), 'Ania')
})

test('a joined name follows a change of the first or last name; an unchanged one is not written', () => {
  assert.equal(nameToStore(ANNA, { firstName: 'Joanna' }), 'Joanna Nowak')
  assert.equal(nameToStore({ ...ANNA, name: '' }, { lastName: 'Kowalska' }), 'Anna Kowalska')
  assert.equal(nameToStore(ANNA, { firstName: 'Anna' }), undefined)
  assert.equal(nameToStore(ANNA, {}), undefined)
})

test('a given name stays when the first or last name changes, and an empty one goes back to them', () => {
  const given = { ...ANNA, name: 'Ania N.' }
  assert.equal(nameToStore(given, { firstName: 'Joanna' }), undefined)
  assert.equal(nameToStore(given, { name: 'Ania Nowak' }), 'Ania Nowak')
  assert.equal(nameToStore(given, { name: '  ' }), 'Anna Nowak')
  assert.equal(nameToStore(given, { name: null, firstName: 'Jo' }), 'Jo Nowak')
})

test('the joined name keeps within the full name length, never splitting a character', () => {
  const joined = fullNameOf('x'.repeat(256), 'y'.repeat(256))
  assert.equal(joined.length, MAX_NAME_LENGTHS.name)
  assert.equal(fullNameOf('a'.repeat(255), `${'b'.repeat(255)}😀`).length, MAX_NAME_LENGTHS.name - 1)
})
