// OIDC_PROVIDERS (API.md §10): a value that is not a JSON list of providers of the right shape
// stops `npm start` with one line naming it, before any database is touched.
import '../../helpers/env'
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { projectRoot } from '../../../scripts/lib/migrationFiles'

function runStart(databaseUrl: string, oidcProviders: string): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
    cwd: projectRoot,
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      HOST: '127.0.0.1',
      PORT: '0',
      NODE_ENV: 'production',
      SESSION_SECRET: 'a session secret of at least thirty-two characters',
      OIDC_PROVIDERS: oidcProviders,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stderr = ''
  child.stderr.on('data', chunk => (stderr += chunk))
  return new Promise((resolve, reject) => {
    child.once('error', reject)
    child.once('close', code => resolve({ code, stderr }))
  })
}

const cases: [string, string, string][] = [
  ['not JSON', '[{"id": "corp"', 'OIDC_PROVIDERS must be a JSON list of providers: it is not valid JSON\n'],
  [
    'an http issuer off loopback',
    '[{"id":"corp","issuer":"http://id.example","clientId":"a","clientSecret":"b"}]',
    "OIDC_PROVIDERS must be a JSON list of providers: entry 1's issuer must start with https:// (http:// only on a loopback host)\n",
  ],
  [
    'a provider without a client id',
    '[{"id":"corp","issuer":"https://id.example","clientSecret":"b"}]',
    'OIDC_PROVIDERS must be a JSON list of providers: entry 1 needs "clientId" (a string)\n',
  ],
]

for (const [what, value, line] of cases) {
  test(`npm start refuses OIDC_PROVIDERS that is ${what}, in one line`, async () => {
    // given
    const dir = mkdtempSync(path.join(tmpdir(), 'identity-oidc-'))
    try {
      // when
      const run = await runStart(`file:${path.join(dir, 'never-created.db')}`, value)
      // then
      assert.equal(run.code, 1)
      assert.equal(run.stderr, line)
      assert.equal(existsSync(path.join(dir, 'never-created.db')), false)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
}
