// Whether a presented secret matches a stored one is answered in constant time, by one helper
// (services/identity/sameSecret.ts): a comparison that stops at the first differing character
// tells an attacker, by its timing, how much of a guessed key was right. The time itself cannot
// be measured reliably on a shared machine, so this reads the code that judges credentials.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs'
import path from 'node:path'

const ROOT = path.resolve(import.meta.dirname, '../../../..')
// where credentials are judged: the identity module, the session adapter and the token mutations
const JUDGES = ['services/identity', 'auth.ts', 'mutations/authentication']
// the names a token key, a token's claims, a CSRF token or a token hash go by
const SECRET = String.raw`(?:jwtTokenKey|claims\.token|csrf_token|csrfToken|customerTokenHash|tokenHash)`
// a comparison with a literal (`typeof key === 'string'`, `=== null`) reads no secret
const PLAIN_COMPARISON = new RegExp(
  String.raw`${SECRET}[\w.?]*\s*[!=]==\s*(?![\s'"\x60]|null\b|undefined\b)|[!=]==\s*[\w.?]*${SECRET}`,
)

function sourceFiles(entry: string): string[] {
  const full = path.join(ROOT, entry)
  if (!existsSync(full)) return []
  if (!statSync(full).isDirectory()) return entry.endsWith('.ts') ? [entry] : []
  return readdirSync(full).flatMap(name => sourceFiles(`${entry}/${name}`))
}

describe('secret comparisons', () => {
  const files = JUDGES.flatMap(sourceFiles)

  test('the scan reads the files that judge credentials', () => {
    assert.ok(files.includes('auth.ts') && files.some(file => file.startsWith('services/identity/')))
  })

  test('only services/identity/sameSecret.ts calls timingSafeEqual', () => {
    const callers = files.filter(file => /timingSafeEqual/.test(readFileSync(path.join(ROOT, file), 'utf8')))
    assert.deepEqual(callers, ['services/identity/sameSecret.ts'])
  })

  test('no token key, claim, CSRF token or token hash is compared with === or !==', () => {
    const plain = files.flatMap(file =>
      readFileSync(path.join(ROOT, file), 'utf8')
        .split('\n')
        .map((line, index) => ({ at: `${file}:${index + 1}`, line: line.trim() }))
        .filter(({ line }) => !line.startsWith('//') && PLAIN_COMPARISON.test(line)),
    )
    assert.deepEqual(plain, [])
  })
})
