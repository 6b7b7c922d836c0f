// Stopping on SIGTERM or SIGINT, in order: take no new connection, let the requests in flight be
// answered (for at most graceMs, then their connections are closed), let the background workers
// finish the delivery in hand and stop polling, disconnect the database, then log that the server
// stopped cleanly and exit 0. A step that fails or a shutdown that outlasts its bound exits 1 with
// a line that says why. A second signal during the shutdown changes nothing: `npm start` and a
// terminal's Ctrl-C both deliver one.
import type { Server } from 'node:http'
import type { Socket } from 'node:net'
import type { Logger } from 'pino'

export type ShutdownStep = { name: string; run: () => Promise<void> }

export type ShutdownOptions = {
  logger: Logger
  // how long requests in flight may take once the signal arrived
  graceMs: number
  // what runs once the HTTP server is closed, in order (the workers, then the database)
  steps: () => ShutdownStep[]
  // the bound on those steps together, past which the process exits 1
  stepsTimeoutMs?: number
  signals?: NodeJS.Signals[]
  exit?: (code: number) => void
}

const IDLE_SWEEP_MS = 100
const DEFAULT_STEPS_TIMEOUT_MS = 30_000

/**
 * Install the shutdown on `server`'s process. Returns the function the signals call, for tests.
 */
export function installGracefulShutdown(server: Server, options: ShutdownOptions): (signal: string) => Promise<void> {
  const {
    logger,
    graceMs,
    steps,
    stepsTimeoutMs = DEFAULT_STEPS_TIMEOUT_MS,
    signals = ['SIGTERM', 'SIGINT'],
    exit = code => process.exit(code),
  } = options
  let shuttingDown: Promise<void> | undefined

  // a request that still arrives on an open keep-alive connection is answered, with that connection's end
  server.on('request', (_req, res) => {
    if (shuttingDown) res.setHeader('connection', 'close')
  })

  const shutdown = (signal: string): Promise<void> => {
    if (shuttingDown) return shuttingDown
    shuttingDown = (async () => {
      const started = Date.now()
      logger.info({ signal, graceMs }, `${signal} received: taking no new connection, finishing the requests in flight`)
      const drained = await closeServer(server, graceMs)
      if (!drained)
        logger.warn({ graceMs }, 'requests still in flight after the grace period: their connections were closed')
      const failed: string[] = []
      const deadline = new Promise<'timeout'>(resolve => setTimeout(() => resolve('timeout'), stepsTimeoutMs).unref())
      for (const step of steps()) {
        try {
          if ((await Promise.race([step.run().then(() => 'done' as const), deadline])) === 'timeout') {
            logger.error(
              { step: step.name, timeoutMs: stepsTimeoutMs },
              `shutdown did not finish within ${stepsTimeoutMs} ms (at: ${step.name})`,
            )
            return exit(1)
          }
        } catch (error) {
          failed.push(step.name)
          logger.error({ step: step.name, err: error }, `shutdown step failed: ${step.name}`)
        }
      }
      if (failed.length > 0) return exit(1)
      logger.info({ signal, ms: Date.now() - started }, 'server stopped cleanly')
      exit(0)
    })()
    return shuttingDown
  }

  for (const signal of signals)
    process.on(signal, () => {
      void shutdown(signal)
    })
  return shutdown
}

/**
 * Stop listening and wait for every connection to end: idle keep-alive connections are closed at
 * once and then as each falls idle; after graceMs the rest are cut. True when all ended by themselves.
 */
function closeServer(server: Server, graceMs: number): Promise<boolean> {
  return new Promise(resolve => {
    let cut = false
    const sockets = new Set<Socket>()
    const sweep = setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_MS)
    const grace = setTimeout(() => {
      cut = true
      server.closeAllConnections()
      for (const socket of sockets) socket.destroy()
    }, graceMs)
    // upgraded sockets (none today) are no longer the server's to close
    server.on('upgrade', (_req, socket: Socket) => sockets.add(socket))
    if (!server.listening) {
      clearInterval(sweep)
      clearTimeout(grace)
      return resolve(true)
    }
    server.close(() => {
      clearInterval(sweep)
      clearTimeout(grace)
      resolve(!cut)
    })
    server.closeIdleConnections()
  })
}
