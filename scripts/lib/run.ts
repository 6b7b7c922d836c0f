// Child processes of the npm scripts, as one link of the chain a supervisor starts: npm runs the
// script's node process itself (`exec` in package.json), and each script runs its steps and the
// server as children with this. A SIGINT, SIGTERM or SIGHUP sent to the script is passed on to the
// child running, and the script waits for that child's end, so the server drains before anyone
// exits. The child leads a process group of its own, which the signal goes to and which is ended
// with it: `keystone dev` leaves esbuild's watcher behind otherwise (it outlives its parent and
// keeps polling the project's files), and a supervisor that signals only npm would never stop it.
import { spawn } from 'node:child_process'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { projectRoot } from './migrationFiles'

export type ChildExit = {
  code: number | null
  signal: NodeJS.Signals | null
  // the first signal passed on to the child, if any
  signalled: NodeJS.Signals | undefined
}

const FORWARDED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP']
const EXIT_WITH_PARENT = pathToFileURL(path.join(projectRoot, 'scripts', 'lib', 'exitWithParent.mjs')).href

/** Run `node …args` in the project with the inherited output, passing SIGINT, SIGTERM and SIGHUP on to it. */
export function runNode(args: string[], env: Record<string, string> = {}): Promise<ChildExit> {
  return new Promise((resolve, reject) => {
    // detached: a session and process group of its own (a terminal's Ctrl-C reaches it through us)
    // and it stops itself should this process be killed without passing a signal on (exitWithParent.mjs)
    const child = spawn(process.execPath, ['--import', EXIT_WITH_PARENT, ...args], {
      cwd: projectRoot,
      stdio: 'inherit',
      env: { ...process.env, ...env, IDENTITY_PARENT_PID: String(process.pid) },
      detached: true,
    })
    let signalled: NodeJS.Signals | undefined
    const forward = (signal: NodeJS.Signals) => {
      signalled ??= signal
      signalGroup(child.pid, signal)
    }
    for (const signal of FORWARDED) process.on(signal, forward)
    // should this process end first, the group ends with it
    const orphaned = () => signalGroup(child.pid, 'SIGTERM')
    process.on('exit', orphaned)
    const done = () => {
      for (const signal of FORWARDED) process.off(signal, forward)
      process.off('exit', orphaned)
    }
    child.once('error', error => {
      done()
      reject(error)
    })
    child.once('exit', (code, signal) => {
      done()
      // whatever the child left running in its group (esbuild's watcher) ends with it
      signalGroup(child.pid, 'SIGTERM')
      resolve({ code, signal, signalled })
    })
  })
}

function signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return
  try {
    process.kill(-pid, signal)
  } catch {
    // the group has ended
  }
}

/** Run one of the project's own scripts (through tsx); fails with a line naming it unless it exits 0. */
export async function runScript(script: string, args: string[] = [], env: Record<string, string> = {}): Promise<void> {
  const { code, signal } = await runNode(['--import', 'tsx', path.join(projectRoot, script), ...args], env)
  if (code !== 0) throw new Error(`${script} ${args.join(' ')} failed (${signal ?? `exit ${code}`})`)
}
