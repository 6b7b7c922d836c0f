// `npm run dev`: bring the local database in sync with the lists (writing a migration when they
// changed, as `prisma migrate dev` would), make sure someone can sign in, then run `keystone dev`.
// Development: without SMTP_URL each mail is printed to the console with its links (outbox.ts).
import 'dotenv/config'
import { runKeystone } from './lib/keystoneCli'
import { runScript } from './lib/run'
import { createContext } from './lib/context'

// inherited by every child: the migrations, the seed and `keystone dev`
process.env.NODE_ENV ||= 'development'

try {
  // regenerate schema.prisma / schema.graphql and the client from the lists as they are now
  await runKeystone(['build', '--no-ui'])
  await runScript('scripts/makeMigration.ts', ['auto', '--if-needed'])
  await runScript('scripts/migrate.ts')

  // a fresh database has nobody to sign in with: seed the superuser and a few customers once
  const context = await createContext()
  const staff = await context.sudo().db.User.count({ where: { isStaff: { equals: true } } })
  await (context.prisma as { $disconnect: () => Promise<void> }).$disconnect()
  if (staff === 0) await runScript('scripts/seed.ts')

  // the schema is already in sync: Keystone's own `db push` needs a native engine we don't have.
  // Other arguments go to `keystone dev` (`npm run dev -- --no-ui` serves the API alone); SIGINT and
  // SIGTERM reach it through us, and we end when it has drained (scripts/lib/run.ts)
  await runKeystone(['dev', '--no-db-push', ...process.argv.slice(2)])
} catch (error) {
  console.error((error as Error).message)
  process.exit(1)
}
