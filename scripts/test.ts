// `npm test`: check the committed artifacts and migrations against the lists, build once, then
// run every test file under tests/ with Node's test runner (through tsx).
import { readdirSync } from 'node:fs'
import path from 'node:path'
import { spawn } from 'node:child_process'
import { runKeystone } from './lib/keystoneCli'
import { projectRoot } from './lib/migrationFiles'

function testFiles (dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap(entry => {
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) return entry.name === 'helpers' ? [] : testFiles(full)
    return entry.name.endsWith('.test.ts') ? [full] : []
  })
}

const only = process.argv.slice(2)
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
