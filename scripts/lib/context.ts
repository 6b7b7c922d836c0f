// A Keystone context for scripts and tests, outside the server: the project's config with the
// generated Prisma client of the configured provider, optionally pointed at another database.
import { getContext } from '@keystone-6/core/context'
import { createAdapter } from '../../database'
import config from '../../keystone'
import type { Context } from '../../generated/keystone/types'

export async function createContext (databaseUrl?: string): Promise<Context> {
  const provider = config.db.provider
  const prismaModule = provider === 'sqlite'
    ? await import('../../generated/prisma/client')
    // @ts-ignore the PostgreSQL client exists only once built for a postgres DATABASE_URL
    : await import('../../generated/prisma-postgresql/client')
  const db = databaseUrl === undefined
    ? config.db
    : {
        ...config.db,
        prismaClientOptions: () => ({ adapter: createAdapter(databaseUrl) }),
      }
  return getContext({ ...config, db }, prismaModule) as unknown as Context
}
