// What the suite's production servers wrote: each server's output is kept in a file under the
// run's log folder (IDENTITY_TEST_LOG_DIR, made by scripts/test.ts), and searched for secrets: by
// each server's stop() as it ends, and by tests/final/serverLogs.ts over every file once the
// whole suite has run. A secret is anything a log line must never hold (API.md §7): a password
// the tests use, a password hash, a JWT, a customer token, a Bearer credential, a one-time link,
// a sealed outbox secret, the session secret.
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { TEST_SESSION_SECRET } from './env'

export const LOG_DIR_VARIABLE = 'IDENTITY_TEST_LOG_DIR'

const TESTS_ROOT = path.resolve(import.meta.dirname, '..')

// what a secret looks like in a line, whoever it belongs to
const SECRET_PATTERNS: { name: string; pattern: RegExp }[] = [
  { name: 'argon2 hash', pattern: /\$argon2(?:id|i|d)\$/ },
  { name: 'bcrypt hash', pattern: /\$2[aby]\$\d{2}\$/ },
  { name: 'JWT', pattern: /\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{8,}/ },
  { name: 'customer token', pattern: /\bctk_[A-Za-z0-9_-]{20,}/ },
  { name: 'Bearer credential', pattern: /\bBearer\s/ },
  { name: 'one-time link', pattern: /\btoken(?:=|%3D)(?!\[Redacted\])[^&\s"'\\]/i },
  { name: 'sealed secret', pattern: /\bv1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22}\./ },
  { name: 'session secret', pattern: new RegExp(TEST_SESSION_SECRET) },
]

let passwords: string[] | undefined

/**
 * The passwords the tests use: every literal of at least 10 characters that a test file or helper
 * gives a field or constant named like a password (the factories' PASSWORD among them).
 */
export function testPasswords(): string[] {
  if (passwords) return passwords
  const found = new Set<string>()
  const literal = /password\w*['"]?\s*[:=]\s*(['"`])([^'"`\n]{10,})\1/gi
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name)
      if (entry.isDirectory()) walk(full)
      else if (entry.name.endsWith('.ts'))
        for (const match of readFileSync(full, 'utf8').matchAll(literal))
          if (isPassword(match[2]!)) found.add(match[2]!)
    }
  }
  walk(TESTS_ROOT)
  passwords = [...found]
  return passwords
}

// not a template, a GraphQL document, a setting's value (PASSWORD_LOGIN_MODE) or the redaction mark
function isPassword(literal: string): boolean {
  return !/[{}$]/.test(literal) && !/^[A-Z_]+$/.test(literal) && !/^\[\w+\]$/.test(literal)
}

export type Finding = { what: string; line: string }

/** Every line of `text` that holds a secret, with what it holds; the secret itself is cut short. */
export function findSecrets(text: string): Finding[] {
  const findings: Finding[] = []
  for (const line of text.split('\n')) {
    for (const { name, pattern } of SECRET_PATTERNS)
      if (pattern.test(line)) findings.push({ what: name, line: shorten(line) })
    for (const password of testPasswords())
      if (line.includes(password)) findings.push({ what: 'a test password', line: shorten(line) })
  }
  return findings
}

/** Keep a server's output in the run's log folder, when there is one. */
export function saveServerLog(name: string, text: string): void {
  const dir = process.env[LOG_DIR_VARIABLE]
  if (!dir || !existsSync(dir)) return
  writeFileSync(path.join(dir, `${name}.log`), text)
}

/** Throw when `text` holds a secret, naming each line (shortened) and what it holds. */
export function assertNoSecrets(text: string, source: string): void {
  const findings = findSecrets(text)
  if (findings.length === 0) return
  throw new Error(
    `${source} logged ${findings.length} secret(s):\n${findings
      .slice(0, 10)
      .map(f => `  ${f.what}: ${f.line}`)
      .join('\n')}`,
  )
}

function shorten(line: string): string {
  return line.length > 300 ? `${line.slice(0, 300)}…` : line
}
