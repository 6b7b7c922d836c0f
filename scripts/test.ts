// `npm test`: check the formatting (Prettier), check the committed artifacts and migrations against the lists, build once, then
// run every test file under tests/ with Node's test runner (through tsx). With TEST_DATABASE_URL
// (a PostgreSQL server the tests may create databases on), the PostgreSQL build is made first,
// and the tests that ask for PostgreSQL run on it instead of being skipped. Every test server's
// output is kept in a folder of this run's own, and once every file has run, one last step reads
// all of it for secrets (tests/final/serverLogs.ts).
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { spawn, spawnSync } from 'node:child_process'
import { buildPostgresqlServer, runKeystone } from './lib/keystoneCli'
import { projectRoot } from './lib/migrationFiles'

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap(entry => {
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) return entry.name === 'helpers' ? [] : testFiles(full)
    return entry.name.endsWith('.test.ts') ? [full] : []
  })
}

const only = process.argv.slice(2)
// the whole suite starts with the formatting: one style, lines that fit on a screen (`npm run format` fixes it)
if (only.length === 0) {
  const prettier = path.join(projectRoot, 'node_modules/prettier/bin/prettier.cjs')
  const check = spawnSync(process.execPath, [prettier, '--check', '--log-level', 'warn', '.'], {
    cwd: projectRoot,
    stdio: 'inherit',
  })
  if (check.status !== 0) {
    console.error('Some files are not formatted: run `npm run format` and commit them.')
    process.exit(1)
  }
}
const postgresUrl = process.env.TEST_DATABASE_URL
if (postgresUrl) {
  if (!/^postgres(ql)?:\/\//.test(postgresUrl)) {
    console.error('TEST_DATABASE_URL must be a postgres:// URL of a server whose user may create databases')
    process.exit(1)
  }
  try {
    // before the SQLite build, which restores the SQLite .keystone/prisma.js this one replaces
    await buildPostgresqlServer(postgresUrl)
  } catch (error) {
    console.error((error as Error).message)
    process.exit(1)
  }
}
try {
  // --frozen fails when schema.graphql or schema.prisma no longer match the lists
  await runKeystone(['build', '--frozen'])
} catch (error) {
  console.error(
    `${(error as Error).message}\nThe committed schema.graphql / schema.prisma are stale: run \`npm run dev\` (or \`npm run build\`) and commit them.`,
  )
  process.exit(1)
}

function runTests(files: string[], env: Record<string, string>): Promise<number> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', ...files], {
    cwd: projectRoot,
    stdio: 'inherit',
    env: { ...process.env, ...env },
  })
  return new Promise(resolve => child.once('exit', code => resolve(code ?? 1)))
}

const files = only.length ? only : testFiles(path.join(projectRoot, 'tests')).sort()
const logDir = mkdtempSync(path.join(tmpdir(), `identity-test-logs-${Date.now()}-`))
const env = { IDENTITY_TEST_LOG_DIR: logDir }
const suite = await runTests(files, env)
// after the rest, in a process of its own: it reads what every server of the run wrote
const logs = await runTests([path.join(projectRoot, 'tests/final/serverLogs.ts')], env)
// kept for reading when something failed
if (suite === 0 && logs === 0) rmSync(logDir, { recursive: true, force: true })
else console.log(`the test servers' logs are in ${logDir}`)
process.exit(suite || logs)
