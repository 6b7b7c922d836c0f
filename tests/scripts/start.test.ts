// scripts/start.ts (`npm start`) on a database of the other provider than the Keystone build's:
// one line naming the command to run, exit 1, and the database left untouched.
import '../helpers/env'
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { assertBuiltFor, builtProvider } from '../../scripts/lib/keystoneCli'
import { projectRoot } from '../../scripts/lib/migrationFiles'

function runStart (databaseUrl: string): Promise<{ code: number | null, stdout: string, stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
      cwd: projectRoot,
      env: { ...process.env, DATABASE_URL: databaseUrl, NODE_ENV: 'production', HOST: '127.0.0.1', PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', chunk => { stdout += chunk })
    child.stderr.on('data', chunk => { stderr += chunk })
    child.once('error', reject)
    child.once('close', code => resolve({ code, stdout, stderr }))
  })
}

// a project folder holding only a built Prisma client for `provider`, or no build at all
function fakeBuild (provider?: string): { root: string, remove: () => void } {
  const root = mkdtempSync(path.join(tmpdir(), 'identity-build-'))
  if (provider) {
    mkdirSync(path.join(root, '.keystone'))
    writeFileSync(path.join(root, '.keystone', 'prisma.js'), `const config = {\n  "activeProvider": "${provider}",\n}\n`)
  }
  return { root, remove: () => rmSync(root, { recursive: true, force: true }) }
}

test('npm start with a database of the other provider than the build stops with one line naming npm run build, before migrating', async () => {
  // given: the suite's own build, and a database URL of the other provider that nothing listens on
  const built = builtProvider()
  assert.ok(built, 'npm test builds before the tests run')
  const dir = mkdtempSync(path.join(tmpdir(), 'identity-start-'))
  const sqliteFile = path.join(dir, 'never-created.db')
  const otherUrl = built === 'sqlite' ? 'postgres://nobody@127.0.0.1:1/never' : `file:${sqliteFile}`
  try {
    // when
    const run = await runStart(otherUrl)

    // then
    assert.equal(run.code, 1)
    const lines = run.stderr.trim().split('\n')
    assert.equal(lines.length, 1, run.stderr)
    assert.match(lines[0]!, /^The Keystone build is for (SQLite|PostgreSQL), but DATABASE_URL is a (SQLite|PostgreSQL) database: run `npm run build`( with this DATABASE_URL)?, then start again\.$/)
    assert.doesNotMatch(run.stdout, /applied|migration/)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test('assertBuiltFor names the build to make for a missing build and for each provider the other way round', () => {
  const none = fakeBuild()
  const sqlite = fakeBuild('sqlite')
  const postgresql = fakeBuild('postgresql')
  try {
    assert.throws(() => assertBuiltFor('postgres://db.example/identity', none.root), { message: 'No Keystone build for PostgreSQL found: run `npm run build` with this DATABASE_URL first.' })
    assert.throws(() => assertBuiltFor('file:./keystone.db', none.root), { message: 'No Keystone build for SQLite found: run `npm run build` first.' })
    assert.throws(() => assertBuiltFor('postgresql://db.example/identity', sqlite.root), { message: 'The Keystone build is for SQLite, but DATABASE_URL is a PostgreSQL database: run `npm run build` with this DATABASE_URL, then start again.' })
    assert.throws(() => assertBuiltFor('file:./keystone.db', postgresql.root), { message: 'The Keystone build is for PostgreSQL, but DATABASE_URL is a SQLite database: run `npm run build`, then start again.' })
    assert.doesNotThrow(() => assertBuiltFor('file:./keystone.db', sqlite.root))
    assert.doesNotThrow(() => assertBuiltFor('postgres://db.example/identity', postgresql.root))
  } finally {
    for (const build of [none, sqlite, postgresql]) build.remove()
  }
})
