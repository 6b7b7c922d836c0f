// A Keystone context for scripts and tests, outside the server: the project's config with the
// generated Prisma client of the database's provider, optionally pointed at another database.
import { getContext } from '@keystone-6/core/context'
import { providerOf, type DatabaseOptions } from '../../database'
import config, { databaseOf } from '../../keystone'
import { env } from '../../env'
import type { Context } from '../../generated/keystone/types'

/**
 * A context on `databaseUrl` (the configured DATABASE_URL when omitted). The provider follows the
 * URL, so a test process configured for SQLite can also reach a PostgreSQL test database.
 * `options.immediateTransactions`: for a process that writes beside a running server (database.ts).
 */
export async function createContext(
  databaseUrl?: string,
  options: Pick<DatabaseOptions, 'immediateTransactions'> = {},
): Promise<Context> {
  const provider = databaseUrl === undefined ? config.db.provider : providerOf(databaseUrl)
  const prismaModule =
    provider === 'sqlite'
      ? await import('../../generated/prisma/client')
      : // @ts-ignore the PostgreSQL client exists only once built for a postgres DATABASE_URL
        await import('../../generated/prisma-postgresql/client')
  // the script's own settings, not the server's: no request budget caps a script's statements
  const db = { ...config.db, provider, ...databaseOf(databaseUrl ?? env.databaseUrl, options) }
  return getContext({ ...config, db }, prismaModule) as unknown as Context
}
