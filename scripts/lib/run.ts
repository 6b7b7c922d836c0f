// Runs one of the project's own scripts (through tsx) as a child process, failing loudly.
import { spawn } from 'node:child_process'
import path from 'node:path'
import { projectRoot } from './migrationFiles'

export function runScript(script: string, args: string[] = [], env: Record<string, string> = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(projectRoot, script), ...args], {
      cwd: projectRoot,
      stdio: 'inherit',
      env: { ...process.env, ...env },
    })
    child.once('error', reject)
    child.once('exit', code =>
      code === 0 ? resolve() : reject(new Error(`${script} ${args.join(' ')} failed (exit ${code})`)),
    )
  })
}
