// `npm start`: production unless NODE_ENV says otherwise. Check the settings (one line naming every
// missing or invalid one, exit 1), apply pending migrations, then serve the built app on HOST:PORT
// as a child process. SIGTERM and SIGINT are passed on to it; it drains and exits, and so do we,
// with its exit code. npm runs this file as its own child (`exec` in package.json: no shell between
// that would die of the signal and leave us running), so a supervisor's signal to npm reaches us.
import 'dotenv/config'
import { assertBuiltFor, spawnKeystone } from './lib/keystoneCli'

// before anything reads it: env.ts below, and the server child, which inherits it
process.env.NODE_ENV ||= 'production'

// a refusal is one line, without a stack: env.ts names every missing or invalid setting at once
function refuse(error: unknown): never {
  console.error((error as Error).message)
  process.exit(1)
}

const { env } = await import('../env').catch(refuse)
const { logger } = await import('../server/logger')
const { applyPendingMigrations } = await import('./lib/migrator')
const { migrationsDir } = await import('./lib/migrationFiles')

try {
  // before any migration: a build for the other provider must not leave the database migrated and the server down
  assertBuiltFor(env.databaseUrl)
  const applied = await applyPendingMigrations({
    databaseUrl: env.databaseUrl,
    migrationsDir,
    log: message => logger.info(message),
  })
  logger.info(applied.length ? `applied ${applied.length} migration(s)` : 'database is up to date')
} catch (error) {
  refuse(error)
}

// --quiet: Keystone's own progress lines are free text; the server logs its own line once listening.
// Other arguments go to `keystone start` (`npm start -- --no-ui` serves the API alone).
const { code, signal, signalled } = await spawnKeystone(['start', '--quiet', ...process.argv.slice(2)])
// a stop we passed on ends quietly with the server's own code; anything else is told in one line
if (code !== 0 && !signalled) logger.error({ code, signal }, `the server exited with ${signal ?? `code ${code}`}`)
process.exit(code ?? 1)
