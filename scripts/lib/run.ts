// Child processes of the npm scripts, as one link of the chain a supervisor starts: npm runs the
// script's node process itself (`exec` in package.json), and each script runs its steps and the
// server as children with this. A SIGINT or SIGTERM sent to the script is passed on to the child
// running, and the script waits for that child's end, so the server drains before anyone exits.
import { spawn } from 'node:child_process'
import path from 'node:path'
import { projectRoot } from './migrationFiles'

export type ChildExit = {
  code: number | null
  signal: NodeJS.Signals | null
  // the first signal passed on to the child, if any
  signalled: NodeJS.Signals | undefined
}

const FORWARDED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM']

/** Run `node …args` in the project with the inherited output, passing SIGINT and SIGTERM on to it. */
export function runNode(args: string[], env: Record<string, string> = {}): Promise<ChildExit> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd: projectRoot,
      stdio: 'inherit',
      env: { ...process.env, ...env },
    })
    let signalled: NodeJS.Signals | undefined
    const forward = (signal: NodeJS.Signals) => {
      signalled ??= signal
      child.kill(signal)
    }
    for (const signal of FORWARDED) process.on(signal, forward)
    const done = () => {
      for (const signal of FORWARDED) process.off(signal, forward)
    }
    child.once('error', error => {
      done()
      reject(error)
    })
    child.once('exit', (code, signal) => {
      done()
      resolve({ code, signal, signalled })
    })
  })
}

/** Run one of the project's own scripts (through tsx); fails with a line naming it unless it exits 0. */
export async function runScript(script: string, args: string[] = [], env: Record<string, string> = {}): Promise<void> {
  const { code, signal } = await runNode(['--import', 'tsx', path.join(projectRoot, script), ...args], env)
  if (code !== 0) throw new Error(`${script} ${args.join(' ')} failed (${signal ?? `exit ${code}`})`)
}
