// `npm start` and `npm run dev` under a supervisor (systemd, supervisord, a container runtime): the
// supervisor starts npm and signals npm's own PID, nothing else. Each link of the chain npm starts
// passes SIGTERM and SIGINT on to its child and waits for it, so the server drains, logs that it
// stopped cleanly, frees its port, and npm exits 0 with nothing it started left running.
// The same with npm as PID 1 of its own PID namespace, as `CMD ["npm", "start"]` runs in a
// container without an init: a signal from outside reaches PID 1 only through its own handler.
import '../helpers/env'
import { randomUUID } from 'node:crypto'
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { builtProvider } from '../../scripts/lib/keystoneCli'
import { projectRoot } from '../../scripts/lib/migrationFiles'
import { freePort } from '../helpers/server'
import { assertNoSecrets } from '../helpers/serverLogs'

type Ended = { code: number | null; signal: NodeJS.Signals | null }

type Supervised = {
  child: ChildProcess
  output: () => string
  ended: Promise<Ended>
  // what npm started, at any depth, that still runs: each carries the run's mark in its environment
  leftBehind: () => string[]
  // SIGKILL to all of it (a server npm left behind, when the chain is broken)
  kill: () => void
}

const onSqliteBuild = { skip: builtProvider() === 'sqlite' ? undefined : 'the build is not for SQLite' }

// as a supervisor starts a service: npm's PID the one it knows
function supervise(command: string, args: string[], cwd: string, env: Record<string, string | undefined>): Supervised {
  const mark = `IDENTITY_SUPERVISED_RUN=${randomUUID()}`
  const childEnv: Record<string, string | undefined> = {
    ...process.env,
    [mark.split('=')[0]!]: mark.split('=')[1],
    // nothing asks the registry whether npm is current
    npm_config_update_notifier: 'false',
    ...env,
  }
  for (const [name, value] of Object.entries(childEnv)) if (value === undefined) delete childEnv[name]
  const child = spawn(command, args, { cwd, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
  let output = ''
  child.stdout!.on('data', chunk => (output += chunk))
  child.stderr!.on('data', chunk => (output += chunk))
  // npm's own end, not its pipes': a server npm left behind would hold them open
  const ended = new Promise<Ended>((resolve, reject) => {
    child.once('error', reject)
    child.once('exit', (code, signal) => resolve({ code, signal }))
  })
  return {
    child,
    output: () => output,
    ended,
    leftBehind: () => marked(mark).map(process => process.line),
    kill: () => {
      for (const { pid } of marked(mark))
        try {
          process.kill(pid, 'SIGKILL')
        } catch {
          // it has ended
        }
    },
  }
}

async function waitUntil(what: string, run: Supervised, ready: () => boolean | Promise<boolean>): Promise<void> {
  // generous: `npm run dev` builds, migrates and seeds first on a machine shared by other work
  const deadline = Date.now() + 300_000
  while (!(await ready())) {
    assert.ok(run.child.exitCode === null && run.child.signalCode === null, `${what}: npm ended\n${run.output()}`)
    assert.ok(Date.now() < deadline, `${what}: not within 300 s\n${run.output()}`)
    await new Promise(resolve => setTimeout(resolve, 200))
  }
}

// npm's end after the signal; generous (the drain's own grace is 10 s), but bounded: a broken chain never ends
async function endOf(run: Supervised): Promise<Ended | 'still running'> {
  let timer: NodeJS.Timeout | undefined
  const bound = new Promise<'still running'>(resolve => (timer = setTimeout(() => resolve('still running'), 120_000)))
  try {
    return await Promise.race([run.ended, bound])
  } finally {
    clearTimeout(timer)
  }
}

async function healthy(port: number): Promise<boolean> {
  return fetch(`http://127.0.0.1:${port}/healthz`).then(
    res => res.status === 200,
    () => false,
  )
}

function refusesConnections(port: number): Promise<boolean> {
  return new Promise(resolve => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => {
      socket.destroy()
      resolve(false)
    })
    socket.once('error', error => resolve((error as NodeJS.ErrnoException).code === 'ECONNREFUSED'))
  })
}

type ProcessEntry = { pid: number; line: string; ppid: number; environ: string }

// `pid (comm) state ppid …` of each process (comm may hold spaces, the fields after its `)` do not), and its environment
function processes(): ProcessEntry[] {
  return readdirSync('/proc')
    .filter(entry => /^\d+$/.test(entry))
    .flatMap(entry => {
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
        const end = stat.lastIndexOf(')')
        const environ = readFileSync(`/proc/${entry}/environ`, 'utf8')
        return [
          {
            pid: Number(entry),
            line: stat.slice(0, end + 3),
            ppid: Number(stat.slice(end + 2).split(' ')[1]),
            environ,
          },
        ]
      } catch {
        // ended meanwhile
        return []
      }
    })
}

// the running processes whose environment holds `mark` (an ended one not yet reaped has none)
function marked(mark: string): ProcessEntry[] {
  return processes().filter(process => process.environ.split('\0').includes(mark))
}

// what a run left behind, given a few seconds for the last of it to end once its parent has
async function settledLeftBehind(run: Supervised): Promise<string[]> {
  let left: string[] = []
  for (let tries = 0; tries < 50; tries++) {
    left = run.leftBehind()
    if (left.length === 0) return left
    await new Promise(resolve => setTimeout(resolve, 200))
  }
  return left
}

// the PIDs of the processes whose parent is `pid`
function childrenOf(pid: number): number[] {
  return processes()
    .filter(process => process.ppid === pid)
    .map(process => process.pid)
}

async function assertStoppedCleanly(run: Supervised, port: number, ended: Ended | 'still running'): Promise<void> {
  assert.deepEqual(ended, { code: 0, signal: null }, run.output())
  assert.deepEqual(await settledLeftBehind(run), [], `a process npm started was left running\n${run.output()}`)
  assert.equal(await refusesConnections(port), true, 'the port still accepts connections')
  assert.match(run.output(), /server stopped cleanly/)
  assert.doesNotMatch(run.output(), /failed|ERR!/)
}

function startEnv(dir: string, port: number): Record<string, string | undefined> {
  return {
    DATABASE_URL: `file:${path.join(dir, 'start.db')}`,
    HOST: '127.0.0.1',
    PORT: String(port),
    // npm start makes it production
    NODE_ENV: undefined,
  }
}

for (const signal of ['SIGTERM', 'SIGINT'] as const)
  test(
    `${signal} to npm start's own PID drains the server, frees its port and ends npm with 0`,
    onSqliteBuild,
    async () => {
      // given: npm start, as a supervisor runs it
      const dir = mkdtempSync(path.join(tmpdir(), 'identity-supervised-'))
      const port = await freePort()
      const run = supervise('npm', ['start', '--', '--no-ui'], projectRoot, startEnv(dir, port))
      try {
        await waitUntil('the server', run, () => healthy(port))

        // when
        process.kill(run.child.pid!, signal)
        const ended = await endOf(run)

        // then
        await assertStoppedCleanly(run, port, ended)
        assertNoSecrets(run.output(), 'npm start')
        // production without SMTP_URL: said once, as a warning
        const smtp = run
          .output()
          .split('\n')
          .filter(line => line.includes('SMTP_URL'))
        assert.equal(smtp.length, 1, run.output())
        assert.match(smtp[0]!, /"level":"warn".*"msg":"SMTP_URL is not set: no mail will leave this server/)
      } finally {
        run.kill()
        rmSync(dir, { recursive: true, force: true })
      }
    },
  )

// unshare(1) needs root, or user namespaces to map to root
const pidNamespaces = spawnSync('unshare', ['--pid', '--fork', '--mount-proc', 'true']).status === 0

test(
  'SIGTERM to npm start as PID 1 of its namespace (a container\'s CMD ["npm", "start"] without an init) drains the server and ends npm with 0',
  { skip: onSqliteBuild.skip ?? (pidNamespaces ? undefined : 'no PID namespace may be made here (unshare)') },
  async () => {
    // given: npm as PID 1 of a PID namespace of its own
    const dir = mkdtempSync(path.join(tmpdir(), 'identity-supervised-'))
    const port = await freePort()
    const run = supervise(
      'unshare',
      ['--pid', '--fork', '--mount-proc', 'npm', 'start', '--', '--no-ui'],
      projectRoot,
      startEnv(dir, port),
    )
    try {
      await waitUntil('the server', run, () => healthy(port))
      const [npm] = childrenOf(run.child.pid!)
      assert.ok(npm, 'npm runs under unshare')
      assert.match(readFileSync(`/proc/${npm}/status`, 'utf8'), /^NSpid:\s+\d+\s+1$/m, 'npm is PID 1 of its namespace')

      // when: the container runtime's stop, from outside the namespace
      process.kill(npm, 'SIGTERM')
      const ended = await endOf(run)

      // then: unshare ends as its child did
      await assertStoppedCleanly(run, port, ended)
    } finally {
      run.kill()
      rmSync(dir, { recursive: true, force: true })
    }
  },
)

// the project's files without its builds, databases and secrets, beside its own packages: `npm run dev`
// rebuilds .keystone and generated/ (the Admin UI's folder first of all), which the other tests'
// servers run from. In the project's ignored tmp/, so that node_modules can be hard links (Next.js
// resolves nothing through a link that leads out of the project).
function copyProject(): string {
  mkdirSync(path.join(projectRoot, 'tmp'), { recursive: true })
  const copy = mkdtempSync(path.join(projectRoot, 'tmp', 'identity-dev-'))
  // without its lockfile: Next.js then takes the project's for the root it resolves within, and has no second one to warn of
  const skipped = new Set([
    'node_modules',
    '.git',
    '.keystone',
    'generated',
    '.env',
    '.dev-secret',
    'tmp',
    'package-lock.json',
  ])
  for (const entry of readdirSync(projectRoot)) {
    if (skipped.has(entry) || /\.db(-journal|-wal|-shm)?$/.test(entry)) continue
    cpSync(path.join(projectRoot, entry), path.join(copy, entry), { recursive: true })
  }
  const linked = spawnSync('cp', ['-al', path.join(projectRoot, 'node_modules'), path.join(copy, 'node_modules')])
  assert.equal(linked.status, 0, String(linked.stderr))
  return copy
}

test("SIGTERM to npm run dev's own PID drains the dev server, frees its port and ends npm with 0; its first start creates no tsconfig", async () => {
  // given: a fresh copy's first npm run dev (it builds, migrates, seeds, then serves the Admin UI too)
  const copy = copyProject()
  const port = await freePort()
  const run = supervise('npm', ['run', 'dev'], copy, {
    HOST: '127.0.0.1',
    PORT: String(port),
    NODE_ENV: undefined,
    SESSION_SECRET: undefined,
    DATABASE_URL: undefined,
  })
  try {
    await waitUntil('the dev server', run, async () => run.output().includes('Admin UI ready') && healthy(port))

    // when
    process.kill(run.child.pid!, 'SIGTERM')
    const ended = await endOf(run)

    // then
    await assertStoppedCleanly(run, port, ended)
    // the Admin UI's folder comes with its own tsconfig.json: Next.js has none to write and announce
    assert.doesNotMatch(run.output(), /tsconfig/)
  } finally {
    run.kill()
    rmSync(copy, { recursive: true, force: true })
  }
})
