// scripts/enumerationTiming.ts, run as `npm run bench:timing` runs it but tiny (3 samples): an
// unknown email, a wrong password on an account with TOTP enabled and on one without each get
// their median, both wrong passwords their ratio to the unknown email and a judgement against the
// issue's 5 % (met or not: three samples decide nothing), and the right password on an enrolled
// account either its median beside MFA_REQUIRED or why it was not measured.
import '../helpers/env'
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { projectRoot } from '../../scripts/lib/migrationFiles'

type Run = { code: number | null; stdout: string; stderr: string }

function runTiming(args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/enumerationTiming.ts', ...args], {
      cwd: projectRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', chunk => {
      stdout += chunk
    })
    child.stderr.on('data', chunk => {
      stderr += chunk
    })
    child.once('error', reject)
    child.once('close', code => resolve({ code, stdout, stderr }))
  })
}

describe('npm run bench:timing', () => {
  test(
    'a tiny run compares a wrong password with and without TOTP enabled against an unknown email, and judges both within 5 %',
    { timeout: 180_000 },
    async () => {
      // when
      const run = await runTiming(['--samples', '3'])

      // then
      const out = `${run.stdout}\n${run.stderr}`
      assert.equal(run.code, 0, out)
      assert.match(
        run.stdout,
        /^tokenCreate on (sqlite|postgresql), 3 alternating samples each; \d+ CPUs, load average [\d. ]+ before, [\d. ]+ after:$/m,
      )
      for (const name of [
        'unknown email (reference)',
        'wrong password, TOTP enabled',
        'wrong password, no second factor',
      ])
        assert.match(
          run.stdout,
          new RegExp(`^  ${escape(name)} +p50 +\\d+\\.\\d ms, difference -?\\d+\\.\\d ms$`, 'm'),
          out,
        )
      assert.match(
        run.stdout,
        /^ {2}right password, TOTP enabled(?: +p50 +\d+\.\d ms \(MFA_REQUIRED: a challenge is issued, not compared\)|: not measured, the server answered .+, not MFA_REQUIRED)$/m,
        out,
      )
      for (const name of ['wrong password, TOTP enabled', 'wrong password, no second factor']) {
        assert.match(
          run.stdout,
          new RegExp(`^ratio ${escape(name)} ÷ unknown email: .* = \\d+\\.\\d\\d, target within 5 %$`, 'm'),
          out,
        )
        assert.match(
          run.stdout,
          new RegExp(
            `^target (met    |NOT met) {2}${escape(name)} within 5 % of an unknown email: -?\\d+\\.\\d %$`,
            'm',
          ),
          out,
        )
      }
    },
  )
})

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
