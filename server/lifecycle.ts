// The server process's life around Keystone's HTTP server (config.server.extendHttpServer): a line
// once it listens, what Node's own parser refuses answered as JSON (server/http.ts), and the
// graceful shutdown of server/shutdown.ts with this process's steps: the delivery workers finish
// the mail or webhook in hand and stop polling, then the database is disconnected (the PostgreSQL
// pool too, which Prisma's $disconnect leaves open).
import type { Server } from 'node:http'
import type { KeystoneContext } from '@keystone-6/core/types'
import { env } from '../env'
import { postgresPoolOf } from '../database'
import { logger } from './logger'
import { installGracefulShutdown } from './shutdown'
import { answerClientError } from './http'

export type Worker = { name: string; stop: () => Promise<void> }

/** Announce the server once listening, and stop it gracefully on SIGTERM and SIGINT. */
export function extendHttpServer(httpServer: Server, context: KeystoneContext, workers: Worker[]): void {
  // what Node's parser refuses (headers past its 16 KB, a request too slow to arrive) is answered as JSON
  httpServer.on('clientError', answerClientError)
  httpServer.once('listening', () => {
    const address = httpServer.address()
    const where = typeof address === 'object' && address ? `${address.address}:${address.port}` : String(address)
    logger.info({ address: where, publicUrl: env.publicUrl, nodeEnv: env.nodeEnv }, `server listening on ${where}`)
    if (env.isProduction && !env.publicUrlGiven)
      logger.warn(
        { publicUrl: env.publicUrl },
        `PUBLIC_URL is not set: tokens name ${env.publicUrl} as their issuer and links sent from the Admin UI lead there`,
      )
  })
  installGracefulShutdown(httpServer, {
    logger,
    graceMs: env.shutdownGraceMs,
    steps: () => [
      {
        name: 'workers',
        run: async () => {
          await Promise.all(workers.map(worker => worker.stop()))
          if (workers.length > 0)
            logger.info({ workers: workers.map(worker => worker.name) }, 'delivery workers stopped')
        },
      },
      {
        name: 'database',
        run: async () => {
          const pool = postgresPoolOf(context.prisma)
          await context.prisma.$disconnect()
          await pool?.end()
        },
      },
    ],
  })
}
