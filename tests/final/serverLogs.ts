// Run by scripts/test.ts once every test file has ended (it is no *.test.ts, so the suite's own
// run leaves it out): every line that the suite's production servers wrote, read back from the
// run's log folder, holds no secret (tests/helpers/serverLogs.ts says what counts as one).
import '../helpers/env'
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import path from 'node:path'
import { LOG_DIR_VARIABLE, findSecrets } from '../helpers/serverLogs'

const dir = process.env[LOG_DIR_VARIABLE]
const skip =
  dir && existsSync(dir) ? undefined : `no log folder: run through \`npm test\`, which sets ${LOG_DIR_VARIABLE}`

test('no line any test server logged holds a password, hash, token, one-time link or sealed secret', { skip }, () => {
  // given: what every production server of the run wrote
  const files = readdirSync(dir!).filter(name => name.endsWith('.log'))
  const lines = files.reduce((count, name) => count + readFileSync(path.join(dir!, name), 'utf8').split('\n').length, 0)

  // when
  const findings = files.flatMap(name =>
    findSecrets(readFileSync(path.join(dir!, name), 'utf8')).map(finding => ({ file: name, ...finding })),
  )

  // then
  console.log(`read ${lines} lines from ${files.length} server logs in ${dir}`)
  assert.deepEqual(findings, [])
})
