// Runs the Keystone CLI as a child process with the offline Prisma environment, and builds the
// PostgreSQL flavour of the server beside the SQLite one.
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs'
import path from 'node:path'
import { providerOf, type Provider } from '../../database'
import { preparePrismaEnv } from './prismaEnv'
import { projectRoot } from './migrationFiles'
import { runNode, type ChildExit } from './run'

const PROVIDER_NAMES: Record<Provider, string> = { sqlite: 'SQLite', postgresql: 'PostgreSQL' }

/** Run the Keystone CLI; fails with a line naming the command unless it exits 0. */
export async function runKeystone(args: string[], env: Record<string, string> = {}): Promise<void> {
  const { code, signal } = await spawnKeystone(args, env)
  if (code !== 0) throw new Error(`keystone ${args.join(' ')} failed (${signal ?? `exit ${code}`})`)
}

/**
 * Run the Keystone CLI and give how it ended. SIGINT and SIGTERM sent to this process are passed
 * on to it (`signalled` names the first), so a server child shuts down as it would on its own.
 */
export function spawnKeystone(args: string[], env: Record<string, string> = {}): Promise<ChildExit> {
  preparePrismaEnv()
  return runNode([path.join(projectRoot, 'node_modules/@keystone-6/core/bin/cli.js'), ...args], env)
}

/**
 * The working directory for `keystone start` on PostgreSQL. Keystone keeps a single built Prisma
 * client, `.keystone/prisma.js`, for the provider of the last build; this folder holds the
 * PostgreSQL one beside a link to the project's built config (which picks its provider from
 * DATABASE_URL at start), so servers on both databases can run from one checkout at once.
 */
export const postgresqlServerRoot = path.join(projectRoot, 'generated', 'postgresql-server')

/**
 * Build the PostgreSQL client (`generated/prisma-postgresql`, `schema.postgresql.*`) and the
 * server folder above. Run it before the SQLite build: that one puts `.keystone/prisma.js` and
 * `generated/keystone` back as they were.
 */
export async function buildPostgresqlServer(databaseUrl: string): Promise<void> {
  // generating connects to nothing: the URL only selects the provider in keystone.ts
  await runKeystone(['build', '--no-ui'], { DATABASE_URL: databaseUrl })
  const built = path.join(projectRoot, '.keystone')
  const target = path.join(postgresqlServerRoot, '.keystone')
  rmSync(postgresqlServerRoot, { recursive: true, force: true })
  mkdirSync(target, { recursive: true })
  copyFileSync(path.join(built, 'prisma.js'), path.join(target, 'prisma.js'))
  // `{}`: the bundles are CommonJS, unlike the project's own "type": "module"
  copyFileSync(path.join(built, 'package.json'), path.join(target, 'package.json'))
  // a link, not a copy: a later `keystone build` of the server code reaches both databases' servers
  symlinkSync(path.join(built, 'config.js'), path.join(target, 'config.js'))
}

/** The provider whose Prisma client the Keystone build in `root` holds, or undefined without a build. */
export function builtProvider(root: string = projectRoot): Provider | undefined {
  const file = path.join(root, '.keystone', 'prisma.js')
  if (!existsSync(file)) return undefined
  const provider = /"activeProvider":\s*"(\w+)"/.exec(readFileSync(file, 'utf8'))?.[1]
  return provider === 'sqlite' || provider === 'postgresql' ? provider : undefined
}

/**
 * Refuse, in one line that names the command to run, to start a build made for the other
 * provider (or no build): Keystone would fail later with a Prisma stack trace, after the
 * migrations had already been applied.
 */
export function assertBuiltFor(databaseUrl: string, root: string = projectRoot): void {
  const wanted = providerOf(databaseUrl)
  const built = builtProvider(root)
  if (built === wanted) return
  const withUrl = wanted === 'sqlite' ? '' : ' with this DATABASE_URL'
  if (built === undefined)
    throw new Error(`No Keystone build for ${PROVIDER_NAMES[wanted]} found: run \`npm run build\`${withUrl} first.`)
  throw new Error(
    `The Keystone build is for ${PROVIDER_NAMES[built]}, but DATABASE_URL is a ${PROVIDER_NAMES[wanted]} database: run \`npm run build\`${withUrl}, then start again.`,
  )
}
