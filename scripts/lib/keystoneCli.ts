// Runs the Keystone CLI as a child process with the offline Prisma environment.
import { spawn } from 'node:child_process'
import path from 'node:path'
import { preparePrismaEnv } from './prismaEnv'
import { projectRoot } from './migrationFiles'

export function runKeystone (args: string[], env: Record<string, string> = {}): Promise<void> {
  preparePrismaEnv()
  const cli = path.join(projectRoot, 'node_modules/@keystone-6/core/bin/cli.js')
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { cwd: projectRoot, stdio: 'inherit', env: { ...process.env, ...env } })
    const forward = (signal: NodeJS.Signals) => child.kill(signal)
    process.on('SIGINT', forward)
    process.on('SIGTERM', forward)
    child.once('error', reject)
    child.once('exit', (code, signal) => {
      process.off('SIGINT', forward)
      process.off('SIGTERM', forward)
      if (code === 0) resolve()
      else reject(new Error(`keystone ${args.join(' ')} failed (${signal ?? `exit ${code}`})`))
    })
  })
}
