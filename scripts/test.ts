// `npm test`: check the committed artifacts and migrations against the lists, build once, then
// run every test file under tests/ with Node's test runner (through tsx). With TEST_DATABASE_URL
// (a PostgreSQL server the tests may create databases on), the PostgreSQL build is made first,
// and the tests that ask for PostgreSQL run on it instead of being skipped.
import { readdirSync } from 'node:fs'
import path from 'node:path'
import { spawn } from 'node:child_process'
import { buildPostgresqlServer, runKeystone } from './lib/keystoneCli'
import { projectRoot } from './lib/migrationFiles'

function testFiles (dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap(entry => {
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) return entry.name === 'helpers' ? [] : testFiles(full)
    return entry.name.endsWith('.test.ts') ? [full] : []
  })
}

const only = process.argv.slice(2)
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
  console.error(`${(error as Error).message}\nThe committed schema.graphql / schema.prisma are stale: run \`npm run dev\` (or \`npm run build\`) and commit them.`)
  process.exit(1)
}

const files = only.length ? only : testFiles(path.join(projectRoot, 'tests')).sort()
const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', ...files], { cwd: projectRoot, stdio: 'inherit' })
child.once('exit', code => process.exit(code ?? 1))
