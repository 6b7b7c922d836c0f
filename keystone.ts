// Keystone configuration: database, lists, sessions, Admin UI access and GraphQL. Wrapped by auth.ts.
import { config } from '@keystone-6/core'
import { env } from './env'
import { databaseSettings, providerOf, type DatabaseOptions } from './database'
import { lists, extendGraphqlSchema } from './schema'
import { SECOND_FACTOR_PAGE, restrictAdminSignIn, sessionStrategy, withAuth } from './auth'
import { isActiveStaff } from './access/permissions'
import { startOutboxWorker } from './services/messaging'
import { startPolling, startWebhookWorker } from './services/messaging'
import {
  CHALLENGE_SWEEP_BATCH,
  SESSION_SWEEP_BATCH,
  deleteDeadChallenges,
  deleteDeadSessions,
} from './services/identity'
import { fillEmailSkeletons, fillEmptyNames, keepSearchDocuments } from './services/users'
import type { Context } from './generated/keystone/types'
import { formatRequestTimeout, graphqlLimits, MAX_TAKE } from './server/graphqlLimits'
import {
  formatAdminMetaRefusal,
  graphqlErrorLogging,
  withoutSuggestions,
  type FormatError,
} from './server/graphqlLogging'
import { databaseUnavailablePlugin, formatDatabaseErrors } from './server/databaseErrors'
import { auditImpersonatedMutations, impersonationAuditPlugin } from './server/impersonationAudit'
import { guardSchema } from './server/schemaGuards'
import { declareGeneratedCosts } from './server/fieldCosts'
import { formatTakenEmail } from './server/takenEmail'
import { extendExpressApp, GRAPHQL_PATH } from './server/http'
import { logger, routeConsoleToLogger } from './server/logger'
import { extendHttpServer, type Worker } from './server/lifecycle'
import { adminUiFiles } from './server/adminUi'
import { mountExternalSignIn } from './server/externalSignIn'

// production writes JSON lines only: Keystone's, Apollo's and Next's console output included
if (env.isProduction) routeConsoleToLogger()

const provider = providerOf(env.databaseUrl)

// a look-alike of an older account is refused only once that account has its skeleton, and it is
// found by the lookups only once its email is in the stored form: fill the missing ones
// (services/users/emailSkeletons.ts), log how many, and name each account left as it was (by id
// only: another account's address looks like its own). Nothing here stops the server from starting.
async function fillMissingEmailSkeletons(context: Context): Promise<void> {
  try {
    const { filled, normalized, collisions } = await fillEmailSkeletons(context)
    if (filled > 0 || collisions.length > 0)
      logger.info({ filled, normalized, collisions: collisions.length }, 'email skeletons filled')
    for (const userId of collisions)
      logger.warn({ userId }, 'email skeleton left empty: another account has an address that looks the same')
  } catch (error) {
    logger.error({ err: error }, 'email skeletons not filled; the next start tries again')
  }
}

// accounts stored before the name model with an empty name read as their first and last name
// joined (services/users/fillNames.ts); nothing here stops the server from starting either
async function fillMissingNames(context: Context): Promise<void> {
  try {
    const filled = await fillEmptyNames(context)
    if (filled > 0) logger.info({ filled }, 'empty names filled with first and last name')
  } catch (error) {
    logger.error({ err: error }, 'empty names not filled; the next start tries again')
  }
}

/**
 * The database settings of the server and of every script's context (scripts/lib/context.ts): the
 * driver adapters (database.ts), and on each Prisma client the one keeper of the search document.
 */
export function databaseOf(databaseUrl: string, options: DatabaseOptions = {}) {
  return databaseSettings(databaseUrl, { ...options, extendClient: keepSearchDocuments })
}

// what a client is answered for an error, decided once: the log line names the same code (server/graphqlLogging.ts)
const formatError: FormatError = (formatted, error) =>
  withoutSuggestions(
    formatRequestTimeout(
      formatTakenEmail(formatDatabaseErrors(formatAdminMetaRefusal(formatted, error), error), error),
      error,
    ),
    !env.isProduction,
  )

const SESSION_SWEEP_INTERVAL_MS = 60_000

// the delivery workers of this process, stopped by SIGTERM after the last request (server/lifecycle.ts)
const workers: Worker[] = []
const limits = graphqlLimits()

export default withAuth(
  config({
    db: {
      provider,
      // before the server listens: accounts written before emails had a confusable skeleton get
      // theirs; then the server delivers the mail outbox and webhooks (scripts and tests that
      // build their own context do neither)
      onConnect: async context => {
        await fillMissingEmailSkeletons(context as unknown as Context)
        await fillMissingNames(context as unknown as Context)
        workers.push(
          {
            name: 'outbox',
            ...startOutboxWorker(context as unknown as Context, {
              intervalMs: env.outboxPollMs,
              backoffMs: env.outboxBackoffMs,
            }),
          },
          {
            name: 'webhooks',
            ...startWebhookWorker(context as unknown as Context, {
              intervalMs: env.outboxPollMs,
              backoffMs: env.outboxBackoffMs,
            }),
          },
          // ended and expired sign-in sessions and spent or expired challenges go, a batch at a time, once a minute (and again while batches fill)
          {
            name: 'sessions',
            ...startPolling('sessions', SESSION_SWEEP_INTERVAL_MS, async () => {
              const challenges = await deleteDeadChallenges(context as unknown as Context)
              const sessions = await deleteDeadSessions(context as unknown as Context)
              return challenges >= CHALLENGE_SWEEP_BATCH || sessions >= SESSION_SWEEP_BATCH
            }),
          },
        )
      },
      // on PostgreSQL no statement outlives a request's time budget
      ...databaseOf(env.databaseUrl, { statementTimeoutMs: env.requestTimeBudgetMs }),
      // each provider keeps its own generated schema and client, so both can be committed and built
      prismaSchemaPath: provider === 'sqlite' ? 'schema.prisma' : 'schema.postgresql.prisma',
      prismaClientPath: provider === 'sqlite' ? 'generated/prisma' : 'generated/prisma-postgresql',
      // rate-limiter-flexible's store (services/messaging/rateLimits.ts) and the sign-in throttle's counters
      // (services/identity/throttle.ts): shared by every process on the database
      extendPrismaSchema: schema => `${schema}
model RateLimiterFlexible {
  key    String    @id
  points Int
  expire DateTime?
}

model LoginThrottle {
  key           String @id
  failures      Int    @default(0)
  inFlight      Int    @default(0)
  windowStart   Float
  lastFailureAt Float  @default(0)
  lastAttemptAt Float
}
`,
    },
    lists,
    // no list answers more than MAX_TAKE items at once, the Admin UI's pages included
    listDefaults: { graphql: { maxTake: MAX_TAKE } },
    session: sessionStrategy(),
    graphql: {
      path: GRAPHQL_PATH,
      schemaPath: provider === 'sqlite' ? 'schema.graphql' : 'schema.postgresql.graphql',
      // the custom fields, the costly work of the generated ones (server/fieldCosts.ts), then the
      // rules every field obeys (server/schemaGuards.ts), then the impersonation audit's root wrapper
      extendGraphqlSchema: base => {
        const generatedMutations = new Set(
          Object.keys(base.getMutationType()?.getFields() ?? {}).filter(name =>
            /^(create|update|delete)[A-Z]/.test(name),
          ),
        )
        const schema = declareGeneratedCosts(restrictAdminSignIn(extendGraphqlSchema(base)), lists)
        // outermost: what each root mutation's resolver ended with, for an impersonation's audit
        return auditImpersonatedMutations(guardSchema(schema, { lists, generatedMutations }))
      },
      // depth, cost, aliases, tokens; rows, input sizes and one password check or mail per request,
      // variables included; a time budget whose stopped work answers REQUEST_TIMEOUT;
      // errors logged by code and path (server/graphqlLogging.ts); SIGTERM is ours (server/shutdown.ts):
      // Apollo's own handler would refuse the requests still in flight and end the process by the signal;
      // a database out of reach is answered 503 with a retryable DATABASE_UNAVAILABLE (server/databaseErrors.ts);
      // a generated write that met a twin's email or look-alike is refused as taken (server/takenEmail.ts)
      apolloConfig: {
        ...limits,
        // and every mutation operation of an impersonation is an event on the customer (server/impersonationAudit.ts)
        plugins: [
          ...limits.plugins,
          graphqlErrorLogging(formatError),
          databaseUnavailablePlugin(),
          impersonationAuditPlugin(),
        ],
        // introspection is off in production (Apollo's own default, stated): no error lists the schema's names there
        introspection: !env.isProduction,
        formatError,
        logger: logger.child({ source: 'apollo' }),
        stopOnTerminationSignals: false,
      },
      // stack traces and database messages stay in the server log outside development
      debug: !env.isProduction,
      playground: !env.isProduction,
    },
    server: {
      options: { host: env.host, port: env.port },
      // request ids and the access log, security headers, /healthz and /readyz, and the GraphQL body parsed without logging it
      extendExpressApp: (app, context) => {
        extendExpressApp(app, context)
        // the Admin UI's "Sign in with <provider>" routes (server/externalSignIn.ts)
        mountExternalSignIn(app, context)
      },
      // a line once listening, and the graceful shutdown on SIGTERM and SIGINT
      extendHttpServer: (httpServer, context) => extendHttpServer(httpServer, context, workers),
    },
    ui: {
      // only active staff get in; what each sees inside follows their permission groups
      isAccessAllowed: context => isActiveStaff({ session: context.session }),
      // the pages mailed links open (admin/pages): their reader has no session, the link's token is the proof;
      // and where staff signed in without the second factor STAFF_MFA_REQUIRED asks for enrol one (auth.ts)
      publicPages: ['/reset-password', '/confirm-account', SECOND_FACTOR_PAGE],
      // Keystone's Next.js config plus the rewrite of its Google Fonts link and Apollo cache, and the
      // Admin UI folder's tsconfig.json (server/adminUi.ts)
      getAdditionalFiles: adminUiFiles,
    },
    telemetry: false,
  }),
)
