// The load generator of `npm run bench`, run as a process of its own so that it never shares an
// event loop or a CPU account with the server or the coordinating script:
//   node --import tsx scripts/lib/benchLoad.ts < jobs.jsonl > results.jsonl
// One job per line in, one result per line out, in order: one process serves every scenario of a
// run, started once. For each job it drives one GraphQL endpoint with autocannon for the job's seconds, each request taking the
// next of the job's variants (body and headers) in turn, and checks every response body: GraphQL
// answers 200 with errors, which autocannon alone would count as successes.
import { createRequire } from 'node:module'
import path from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { percentile } from './benchReport'

export type LoadVariant = { body: string; headers?: Record<string, string> }

export type LoadJob = {
  /** the GraphQL endpoint, on loopback */
  url: string
  connections: number
  seconds: number
  /** a run of the same load before the measured one, not counted */
  warmupSeconds: number
  /** taken in turn, one per request, across all connections */
  variants: LoadVariant[]
  /** the path of the value a good answer has (present, not null, not false) */
  valueAt: string[]
  /** the path of a Saleor-style `errors` list, which must be empty */
  errorsAt?: string[]
  /**
   * a scenario of requests that must be refused: a good answer is HTTP 400 with no data and a
   * first error of this code (valueAt is then not read)
   */
  refusedWith?: string
  /**
   * how long one request may take before autocannon gives up on it (default 120 s). Keep it long:
   * a request given up on still runs on the server, and autocannon sends another in its place
   */
  timeoutSeconds?: number
}

export type LoadResult = {
  /** every answered request, good or not */
  requests: number
  /** answered requests that passed the body check */
  ok: number
  seconds: number
  requestsPerSecond: number
  okPerSecond: number
  p50: number
  p95: number
  p99: number
  max: number
  /** every answer's latency in ms, ascending, so that runs can be merged */
  latencies: number[]
  errors: number
  /** error code (GraphQL extensions.code, a payload error code, HTTP_<status>, …) → count */
  errorCodes: Record<string, number>
  firstError?: string
  /** autocannon's own counters, for the JSON report */
  autocannon: {
    non2xx: number
    errors: number
    timeouts: number
    resets: number
    latencyP50: number
    latencyP97_5: number
    latencyAverage: number
  }
}

type AutocannonRequest = {
  method: string
  path: string
  headers: Record<string, string>
  body?: string
  setupRequest?: (request: AutocannonRequest) => AutocannonRequest
  onResponse?: (status: number, body: string) => void
}
type AutocannonResult = {
  duration: number
  non2xx: number
  errors: number
  timeouts: number
  resets: number
  latency: { p50: number; p97_5: number; average: number }
}
type AutocannonInstance = Promise<AutocannonResult> & {
  on: (event: 'response', listener: (client: unknown, status: number, bytes: number, ms: number) => void) => void
}
type Autocannon = (options: {
  url: string
  connections: number
  duration: number
  timeout: number
  requests: AutocannonRequest[]
}) => AutocannonInstance

// autocannon is CommonJS and ships no types: this is the part of its API used here
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon

function at(value: unknown, path: readonly string[]): unknown {
  let current = value
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined
    current = (current as Record<string, unknown>)[key]
  }
  return current
}

/** The error code of one answer, or undefined when it passes the job's check. */
export function classifyAnswer(
  status: number,
  body: string,
  job: Pick<LoadJob, 'valueAt' | 'errorsAt' | 'refusedWith'>,
): string | undefined {
  if (job.refusedWith === undefined && (status < 200 || status > 299)) return `HTTP_${status}`
  let json: unknown
  try {
    json = JSON.parse(body)
  } catch {
    return job.refusedWith === undefined ? 'INVALID_JSON' : `NOT_REFUSED_HTTP_${status}`
  }
  const graphqlErrors = at(json, ['errors'])
  const firstCode = Array.isArray(graphqlErrors) ? at(graphqlErrors[0], ['extensions', 'code']) : undefined
  if (job.refusedWith !== undefined) {
    if (status !== 400) return `NOT_REFUSED_HTTP_${status}`
    if (firstCode !== job.refusedWith) return typeof firstCode === 'string' ? firstCode : 'GRAPHQL_ERROR'
    // a data key, even null, means the request was executed before it was refused
    return at(json, ['data']) === undefined ? undefined : 'REFUSED_AFTER_EXECUTION'
  }
  if (Array.isArray(graphqlErrors) && graphqlErrors.length > 0)
    return typeof firstCode === 'string' ? firstCode : 'GRAPHQL_ERROR'
  if (job.errorsAt) {
    const payloadErrors = at(json, job.errorsAt)
    if (Array.isArray(payloadErrors) && payloadErrors.length > 0) {
      const code = at(payloadErrors[0], ['code'])
      return typeof code === 'string' ? code : 'PAYLOAD_ERROR'
    }
  }
  const value = at(json, job.valueAt)
  if (value === undefined || value === null || value === false) return 'NO_VALUE'
  return undefined
}

/**
 * Wait until the requests autocannon left in flight when it stopped have been served: they still
 * run on the server, and would otherwise slow the next run. One more request of the job, sent
 * after them, answers after them (SQLite serves one statement at a time; on PostgreSQL they share
 * the pool and finish together).
 */
async function settle(job: LoadJob, timeoutSeconds: number): Promise<void> {
  const variant = job.variants[0]!
  await fetch(job.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...variant.headers },
    body: variant.body,
    signal: AbortSignal.timeout(timeoutSeconds * 1000),
  })
    .then(response => response.arrayBuffer())
    .catch(() => undefined)
}

/** Run the job: an uncounted warm-up, then the measured run, each followed by settle(). */
export async function runLoad(job: LoadJob): Promise<LoadResult> {
  if (job.variants.length === 0) throw new Error('a load job needs at least one request variant')
  const target = new URL(job.url)
  let next = 0
  let measuring = false
  const latencies: number[] = []
  const errorCodes: Record<string, number> = {}
  let errors = 0
  let firstError: string | undefined

  const request: AutocannonRequest = {
    method: 'POST',
    path: target.pathname,
    headers: { 'content-type': 'application/json' },
    body: job.variants[0]!.body,
    setupRequest(base) {
      const variant = job.variants[next++ % job.variants.length]!
      return { ...base, body: variant.body, headers: { 'content-type': 'application/json', ...variant.headers } }
    },
    onResponse(status, body) {
      if (!measuring) return
      const code = classifyAnswer(status, body, job)
      if (code === undefined) return
      errors++
      errorCodes[code] = (errorCodes[code] ?? 0) + 1
      firstError ??= body.trim().slice(0, 300)
    },
  }
  const timeout = job.timeoutSeconds ?? 120
  const run = (seconds: number) =>
    autocannon({ url: target.origin, connections: job.connections, duration: seconds, timeout, requests: [request] })

  if (job.warmupSeconds > 0) {
    await run(job.warmupSeconds)
    await settle(job, timeout)
  }
  measuring = true
  const instance = run(job.seconds)
  instance.on('response', (_client, _status, _bytes, ms) => {
    latencies.push(ms)
  })
  const result = await instance
  measuring = false
  await settle(job, timeout)

  // refused connections and timeouts never reach onResponse
  const lost = result.errors
  if (lost > 0) errorCodes.CONNECTION = (errorCodes.CONNECTION ?? 0) + lost
  latencies.sort((a, b) => a - b)
  const requests = latencies.length
  const ok = requests - errors
  const seconds = result.duration
  return {
    requests,
    ok,
    seconds,
    requestsPerSecond: requests / seconds,
    okPerSecond: ok / seconds,
    p50: percentile(latencies, 0.5),
    p95: percentile(latencies, 0.95),
    p99: percentile(latencies, 0.99),
    max: latencies.at(-1) ?? 0,
    latencies: latencies.map(ms => Math.round(ms * 100) / 100),
    errors: errors + lost,
    errorCodes,
    ...(firstError === undefined ? {} : { firstError }),
    autocannon: {
      non2xx: result.non2xx,
      errors: result.errors,
      timeouts: result.timeouts,
      resets: result.resets,
      latencyP50: result.latency.p50,
      latencyP97_5: result.latency.p97_5,
      latencyAverage: result.latency.average,
    },
  }
}

// run when executed, not when imported (the test imports classifyAnswer)
if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
      if (line.trim() === '') continue
      process.stdout.write(JSON.stringify(await runLoad(JSON.parse(line) as LoadJob)) + '\n')
    }
  } catch (error) {
    console.error(error)
    process.exitCode = 1
  }
}
