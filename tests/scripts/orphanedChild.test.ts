// scripts/lib/run.ts's children lead process groups of their own (so a signal reaches what they
// start); a supervisor that kills the parent's group outright (SIGKILL, which the parent cannot
// pass on) must not leave the child running, re-parented, holding its port: it stops itself, as a
// SIGTERM stops it.
import '../helpers/env'
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { projectRoot } from '../../scripts/lib/migrationFiles'

// a parent that runs a child through runNode; the child says its pid and what ended it
const PARENT = `
import { runNode } from './scripts/lib/run.ts'
await runNode(['-e', "console.log('child ' + process.pid); process.on('SIGTERM', () => { console.log('child stopped by SIGTERM'); process.exit(0) }); setInterval(() => {}, 1000)"])
`

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

test("a child of the scripts stops itself when its parent's group is killed outright", async () => {
  // given a parent in a group of its own, running a child
  const parent = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', PARENT], {
    cwd: projectRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  })
  let output = ''
  parent.stdout.on('data', chunk => (output += chunk))
  parent.stderr.on('data', chunk => (output += chunk))
  const deadline = Date.now() + 30_000
  while (!/child (\d+)/.test(output) && Date.now() < deadline) await new Promise(resolve => setTimeout(resolve, 100))
  const childPid = Number(/child (\d+)/.exec(output)?.[1])
  assert.ok(childPid > 0, output)

  // when the parent's whole group is killed with SIGKILL
  process.kill(-parent.pid!, 'SIGKILL')

  // then the child, in its own group, ends within a few seconds
  const until = Date.now() + 10_000
  while (isRunning(childPid) && Date.now() < until) await new Promise(resolve => setTimeout(resolve, 100))
  const left = isRunning(childPid)
  if (left) process.kill(childPid, 'SIGKILL')
  assert.equal(left, false, `the child ${childPid} was left running: ${output}`)
})
