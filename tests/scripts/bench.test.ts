// scripts/bench.ts, run as `npm run bench` runs it but tiny (200 customers, 1 s a scenario, 2
// connections): every line and the JSON are there, and nothing failed. Also how the load
// generator reads an answer, since GraphQL refuses with 200.
import '../helpers/env'
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { projectRoot } from '../../scripts/lib/migrationFiles'
import { classifyAnswer } from '../../scripts/lib/benchLoad'
import { percentile, type BenchReport } from '../../scripts/lib/benchReport'

const CUSTOMERS = 200
const SCENARIOS = [
  'seed (customers inserted/s)',
  'ref: argon2id verify (raw)',
  'tokenCreate (1 account, 1 IP)',
  'ref: channels(take: 1) anonymous',
  'me (Bearer)',
  'ref: channels(take: 1) beside refusals',
  'hostile requests refused (anonymous)',
  'accountAddressCreate',
  `customers(search) @${CUSTOMERS}`,
  'customers(search: email) ×1',
  'customers(search: email fragment) ×1',
  'customers(search: rare surname) ×1',
  'customers(search: name fragment) ×1',
  'customers(search: phone) ×1',
  'customers(search: phone, national) ×1',
  'customers(search: phone, +country) ×1',
  'customers(search: phone fragment) ×1',
  'customers(search: postal fragment) ×1',
  'customers(search: postal district) ×1',
  'customers(search: no match) ×1',
  'customers(search: common) ×1',
  'customersCount(search) ×1',
  'customers(skip: 180) deep page ×1',
]
const TOKEN_CHECK = { valueAt: ['data', 'tokenCreate', 'token'], errorsAt: ['data', 'tokenCreate', 'errors'] }

type Run = { code: number | null; stdout: string; stderr: string }

function runBench(args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/bench.ts', ...args], {
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

describe('npm run bench', () => {
  test(
    'a tiny run on SQLite prints every scenario, the three ratios and the targets, writes the same JSON, and nothing fails',
    { timeout: 180_000 },
    async () => {
      // given
      const dir = await mkdtemp(path.join(tmpdir(), 'bench-test-'))
      const jsonFile = path.join(dir, 'bench.json')
      try {
        // when
        const run = await runBench([
          '--customers',
          String(CUSTOMERS),
          '--seconds',
          '1',
          '--connections',
          '2',
          '--json',
          jsonFile,
        ])

        // then
        assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`)
        const table = run.stdout.slice(run.stdout.indexOf('scenario '))
        for (const scenario of SCENARIOS) {
          const line = table.split('\n').find(l => l.startsWith(`${scenario} `))
          assert.ok(line, `no line for ${scenario} in:\n${table}`)
          const [requestsPerSecond, p50, p95, errors] = line.slice(40).trim().split(/\s+/)
          assert.ok(Number(requestsPerSecond) > 0, line)
          if (!scenario.startsWith('seed')) assert.ok(Number(p50) > 0 && Number(p95) >= Number(p50), line)
          assert.equal(errors, '0', `${line}\n${table}`)
        }
        assert.match(table, /^ratio me ÷ anonymous generated query: .* = \d+\.\d\d, target ≥ 1$/m)
        assert.match(table, /^ratio tokenCreate \(signed in\) ÷ raw argon2id verify: .* = \d+\.\d\d, target ≥ 0\.8$/m)
        assert.match(
          table,
          /^ratio hostile request refused ÷ anonymous generated query: .* = \d+\.\d\d, target ≥ 0\.25$/m,
        )
        assert.equal(table.match(/^target (met    |NOT met) {2}/gm)?.length, 5, table)
        assert.match(table, /^target met {6}tokenCreate refuses no correct password: 0 of \d+$/m)

        const report = JSON.parse(await readFile(jsonFile, 'utf8')) as BenchReport
        assert.equal(report.database, 'sqlite')
        assert.deepEqual(
          report.lines.map(line => line.scenario),
          SCENARIOS,
        )
        for (const line of report.lines)
          assert.equal(line.errors, 0, `${line.scenario}: ${JSON.stringify(line.errorCodes)} ${line.firstError ?? ''}`)
        assert.deepEqual(
          report.ratios.map(ratio => ratio.reference),
          ['ref: channels(take: 1) anonymous', 'ref: argon2id verify (raw)', 'ref: channels(take: 1) beside refusals'],
        )
        assert.equal(report.targets.length, 5)
        assert.deepEqual(
          report.searchTerms.map(term => [term.kind, term.matches > 0]),
          [
            ['email', true],
            ['email fragment', true],
            ['rare surname', true],
            ['name fragment', true],
            ['phone', true],
            ['phone, national', true],
            ['phone, +country', true],
            ['phone fragment', true],
            ['postal fragment', true],
            ['postal district', true],
            ['no match', false],
            ['common', true],
          ],
        )
      } finally {
        await rm(dir, { recursive: true, force: true })
      }
    },
  )
})

describe('benchLoad classifyAnswer', () => {
  test('a sign-in refused in the payload errors counts as an error under its code, though the answer is 200', () => {
    // given
    const refused = JSON.stringify({
      data: { tokenCreate: { token: null, errors: [{ field: 'email', code: 'LOGIN_ATTEMPT_DELAYED' }] } },
    })

    // when
    const code = classifyAnswer(200, refused, TOKEN_CHECK)

    // then
    assert.equal(code, 'LOGIN_ATTEMPT_DELAYED')
  })

  test('a token with an empty errors list passes', () => {
    assert.equal(
      classifyAnswer(200, JSON.stringify({ data: { tokenCreate: { token: 'x', errors: [] } } }), TOKEN_CHECK),
      undefined,
    )
  })

  test('GraphQL errors, a missing value, other statuses and bodies that are not JSON all count', () => {
    const check = { valueAt: ['data', 'customersCount'] }
    assert.equal(classifyAnswer(200, JSON.stringify({ data: { customersCount: 0 } }), check), undefined)
    assert.equal(
      classifyAnswer(200, JSON.stringify({ errors: [{ extensions: { code: 'KS_ACCESS_DENIED' } }] }), check),
      'KS_ACCESS_DENIED',
    )
    assert.equal(classifyAnswer(200, JSON.stringify({ data: { customersCount: null } }), check), 'NO_VALUE')
    assert.equal(classifyAnswer(429, '{}', check), 'HTTP_429')
    assert.equal(classifyAnswer(200, '<html>', check), 'INVALID_JSON')
  })

  test('a refusal scenario passes a 400 of its code with no data, and counts anything else', () => {
    const check = { valueAt: [], refusedWith: 'REQUEST_TOO_LARGE' }
    const refused = (code: string) => JSON.stringify({ errors: [{ extensions: { code } }] })
    assert.equal(classifyAnswer(400, refused('REQUEST_TOO_LARGE'), check), undefined)
    assert.equal(classifyAnswer(400, refused('GRAPHQL_VALIDATION_FAILED'), check), 'GRAPHQL_VALIDATION_FAILED')
    assert.equal(classifyAnswer(200, JSON.stringify({ data: { usersCount: 0 } }), check), 'NOT_REFUSED_HTTP_200')
    assert.equal(
      classifyAnswer(
        400,
        JSON.stringify({ data: null, errors: [{ extensions: { code: 'REQUEST_TOO_LARGE' } }] }),
        check,
      ),
      'REFUSED_AFTER_EXECUTION',
    )
    assert.equal(classifyAnswer(413, '<html>', check), 'NOT_REFUSED_HTTP_413')
  })

  test('percentile takes the nearest rank', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1)
    assert.equal(percentile(values, 0.5), 50)
    assert.equal(percentile(values, 0.95), 95)
    assert.equal(percentile([], 0.5), 0)
  })
})
