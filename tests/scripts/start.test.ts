// scripts/start.ts (`npm start`): production unless NODE_ENV says otherwise; a missing or invalid
// setting, or a database of the other provider than the Keystone build's, stops it with one line
// and exit 1, the database left untouched; SIGTERM is passed on to the server, which drains and
// exits 0, and so does `npm start`, without a "failed" line.
import '../helpers/env'
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { assertBuiltFor, builtProvider } from '../../scripts/lib/keystoneCli'
import { projectRoot } from '../../scripts/lib/migrationFiles'
import { freePort } from '../helpers/server'
import { assertNoSecrets } from '../helpers/serverLogs'

type Run = { code: number | null; stdout: string; stderr: string }

function spawnStart(
  databaseUrl: string,
  env: Record<string, string | undefined> = { NODE_ENV: 'production' },
  args: string[] = [],
) {
  const childEnv: Record<string, string | undefined> = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    HOST: '127.0.0.1',
    PORT: '0',
    ...env,
  }
  for (const [name, value] of Object.entries(childEnv)) if (value === undefined) delete childEnv[name]
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts', ...args], {
    cwd: projectRoot,
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const run = { stdout: '', stderr: '' }
  child.stdout.on('data', chunk => {
    run.stdout += chunk
  })
  child.stderr.on('data', chunk => {
    run.stderr += chunk
  })
  const done = new Promise<Run>((resolve, reject) => {
    child.once('error', reject)
    child.once('close', code => resolve({ code, ...run }))
  })
  return { child, run, done }
}

function runStart(databaseUrl: string, env?: Record<string, string | undefined>): Promise<Run> {
  return spawnStart(databaseUrl, env).done
}

// a project folder holding only a built Prisma client for `provider`, or no build at all
function fakeBuild(provider?: string): { root: string; remove: () => void } {
  const root = mkdtempSync(path.join(tmpdir(), 'identity-build-'))
  if (provider) {
    mkdirSync(path.join(root, '.keystone'))
    writeFileSync(
      path.join(root, '.keystone', 'prisma.js'),
      `const config = {\n  "activeProvider": "${provider}",\n}\n`,
    )
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
    assert.match(
      lines[0]!,
      /^The Keystone build is for (SQLite|PostgreSQL), but DATABASE_URL is a (SQLite|PostgreSQL) database: run `npm run build`( with this DATABASE_URL)?, then start again\.$/,
    )
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
    assert.throws(() => assertBuiltFor('postgres://db.example/identity', none.root), {
      message: 'No Keystone build for PostgreSQL found: run `npm run build` with this DATABASE_URL first.',
    })
    assert.throws(() => assertBuiltFor('file:./keystone.db', none.root), {
      message: 'No Keystone build for SQLite found: run `npm run build` first.',
    })
    assert.throws(() => assertBuiltFor('postgresql://db.example/identity', sqlite.root), {
      message:
        'The Keystone build is for SQLite, but DATABASE_URL is a PostgreSQL database: run `npm run build` with this DATABASE_URL, then start again.',
    })
    assert.throws(() => assertBuiltFor('file:./keystone.db', postgresql.root), {
      message:
        'The Keystone build is for PostgreSQL, but DATABASE_URL is a SQLite database: run `npm run build`, then start again.',
    })
    assert.doesNotThrow(() => assertBuiltFor('file:./keystone.db', sqlite.root))
    assert.doesNotThrow(() => assertBuiltFor('postgres://db.example/identity', postgresql.root))
  } finally {
    for (const build of [none, sqlite, postgresql]) build.remove()
  }
})

test('npm start without NODE_ENV is production: without SESSION_SECRET it stops with one line naming it, exit 1, nothing migrated', async () => {
  // given: no NODE_ENV, no SESSION_SECRET, and an invalid PUBLIC_URL
  const dir = mkdtempSync(path.join(tmpdir(), 'identity-start-'))
  try {
    // when
    const run = await runStart(`file:${path.join(dir, 'never-created.db')}`, {
      NODE_ENV: undefined,
      SESSION_SECRET: undefined,
      PUBLIC_URL: 'identity.example',
    })

    // then
    assert.equal(run.code, 1)
    assert.equal(
      run.stderr,
      'SESSION_SECRET is required in production (at least 32 characters); PUBLIC_URL must be a URL (http://… or https://…)\n',
    )
    assert.equal(run.stdout, '')
    assert.equal(existsSync(path.join(dir, 'never-created.db')), false)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test('npm start refuses a STOREFRONT_URL whose host mails may not link to, in one line', async () => {
  // given
  const dir = mkdtempSync(path.join(tmpdir(), 'identity-start-'))
  try {
    // when
    const run = await runStart(`file:${path.join(dir, 'never-created.db')}`, {
      NODE_ENV: 'production',
      SESSION_SECRET: 'a session secret of at least thirty-two characters',
      ALLOWED_CLIENT_HOSTS: 'shop.example',
      STOREFRONT_URL: 'https://evil.example',
    })
    // then
    assert.equal(run.code, 1)
    assert.equal(run.stderr, "STOREFRONT_URL's host evil.example must be one of ALLOWED_CLIENT_HOSTS\n")
    assert.equal(existsSync(path.join(dir, 'never-created.db')), false)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test('npm start refuses a CORS_ORIGINS entry that is not an origin, in one line naming it', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'identity-start-'))
  try {
    // a path, a wildcard, a bare host, a query: each refused, the valid entries beside it do not help
    for (const bad of ['https://shop.example/checkout', '*', 'shop.example', 'https://shop.example?x=1']) {
      const run = await runStart(`file:${path.join(dir, 'never-created.db')}`, {
        NODE_ENV: 'production',
        SESSION_SECRET: 'a session secret of at least thirty-two characters',
        CORS_ORIGINS: `https://ok.example, ${bad}`,
      })
      assert.equal(run.code, 1, bad)
      assert.equal(
        run.stderr,
        `CORS_ORIGINS must be a comma list of origins (http(s)://host[:port], no path, query or wildcard), got "${bad}"\n`,
      )
      assert.equal(existsSync(path.join(dir, 'never-created.db')), false)
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test(
  'SIGTERM to npm start drains the server, which logs that it stopped cleanly, and npm start exits 0 without a failed line; an unset PUBLIC_URL is warned of',
  { skip: builtProvider() === 'sqlite' ? undefined : 'the build is not for SQLite' },
  async () => {
    // given: a started server on a database of its own
    const dir = mkdtempSync(path.join(tmpdir(), 'identity-start-'))
    const port = await freePort()
    const start = spawnStart(
      `file:${path.join(dir, 'start.db')}`,
      { NODE_ENV: undefined, PORT: String(port), PUBLIC_URL: undefined },
      ['--no-ui'],
    )
    try {
      const deadline = Date.now() + 60_000
      while (!start.run.stdout.includes('server listening')) {
        assert.ok(
          Date.now() < deadline && start.child.exitCode === null,
          `the server did not start:\n${start.run.stdout}${start.run.stderr}`,
        )
        await new Promise(resolve => setTimeout(resolve, 100))
      }
      const health = await fetch(`http://127.0.0.1:${port}/healthz`)
      assert.equal(health.status, 200)

      // when
      start.child.kill('SIGTERM')
      const run = await start.done

      // then
      assert.equal(run.code, 0)
      assert.equal(run.stderr, '')
      const lines = run.stdout
        .trim()
        .split('\n')
        .map(line => JSON.parse(line))
      assert.ok(
        lines.some(line => line.msg === 'server listening on 127.0.0.1:' + port && line.nodeEnv === 'production'),
      )
      assert.equal(lines.at(-1)?.msg, 'server stopped cleanly')
      // without PUBLIC_URL the operator is told what tokens and links will name
      assert.ok(lines.some(line => line.level === 'warn' && /^PUBLIC_URL is not set/.test(line.msg)))
      assert.doesNotMatch(run.stdout, /failed/)
      assertNoSecrets(run.stdout, 'npm start')
    } finally {
      if (start.child.exitCode === null) start.child.kill('SIGKILL')
      rmSync(dir, { recursive: true, force: true })
    }
  },
)
