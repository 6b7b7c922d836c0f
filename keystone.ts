// Keystone configuration: database, lists, sessions, Admin UI access and GraphQL. Wrapped by auth.ts.
import { config } from '@keystone-6/core'
import { env } from './env'
import { createAdapter, providerOf } from './database'
import { lists, extendGraphqlSchema } from './schema'
import { sessionStrategy, withAuth } from './auth'
import { isActiveStaff } from './access/permissions'
import { startOutboxWorker } from './services/outbox'
import { startWebhookWorker } from './services/webhooks'
import type { Context } from './generated/keystone/types'

const provider = providerOf(env.databaseUrl)

export default withAuth(config({
  db: {
    provider,
    // the server delivers the mail outbox and webhooks; scripts and tests that build their own context do not
    onConnect: async context => {
      startOutboxWorker(context as unknown as Context, { intervalMs: env.outboxPollMs, backoffMs: env.outboxBackoffMs })
      startWebhookWorker(context as unknown as Context, { intervalMs: env.outboxPollMs, backoffMs: env.outboxBackoffMs })
    },
    prismaClientOptions: () => ({ adapter: createAdapter(env.databaseUrl) }),
    // each provider keeps its own generated schema and client, so both can be committed and built
    prismaSchemaPath: provider === 'sqlite' ? 'schema.prisma' : 'schema.postgresql.prisma',
    prismaClientPath: provider === 'sqlite' ? 'generated/prisma' : 'generated/prisma-postgresql',
    // rate-limiter-flexible's store (services/throttle.ts): login attempts shared by every process
    extendPrismaSchema: schema => `${schema}
model RateLimiterFlexible {
  key    String    @id
  points Int
  expire DateTime?
}
`,
  },
  lists,
  session: sessionStrategy(),
  graphql: {
    path: '/api/graphql',
    schemaPath: provider === 'sqlite' ? 'schema.graphql' : 'schema.postgresql.graphql',
    extendGraphqlSchema,
    // stack traces and database messages stay in the server log outside development
    debug: !env.isProduction,
    playground: !env.isProduction,
  },
  server: {
    options: { host: env.host, port: env.port },
  },
  ui: {
    // only active staff get in; what each sees inside follows their permission groups
    isAccessAllowed: context => isActiveStaff({ session: context.session }),
  },
  telemetry: false,
}))
