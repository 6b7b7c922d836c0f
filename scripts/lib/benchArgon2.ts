// The reference `tokenCreate` is compared with in `npm run bench`: raw argon2id verification of the
// right password, through services/passwords.ts (so with exactly the server's parameters), with
// the same number in flight as the load has connections, in a process of its own like the server:
//   node --import tsx scripts/lib/benchArgon2.ts '{"concurrency":10,"seconds":10,"warmupSeconds":1}'
// Prints one JSON object: verifications per second, p50/p95/p99 ms, and wrong answers as errors.
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { hashPassword, verifyPassword } from '../../services/passwords'
import { percentile } from './benchReport'
import { DEMO_CUSTOMER_PASSWORD } from './seedData'

export type Argon2Job = { concurrency: number, seconds: number, warmupSeconds: number }

export type Argon2Result = { requests: number, seconds: number, requestsPerSecond: number, p50: number, p95: number, p99: number, errors: number }

/** Verify the demo password against its hash, `concurrency` at a time, for `seconds`. */
export async function measureArgon2 (job: Argon2Job): Promise<Argon2Result> {
  const stored = await hashPassword(DEMO_CUSTOMER_PASSWORD)
  const loop = async (seconds: number, record: (ms: number, ok: boolean) => void) => {
    const deadline = performance.now() + seconds * 1000
    await Promise.all(Array.from({ length: job.concurrency }, async () => {
      while (performance.now() < deadline) {
        const started = performance.now()
        const ok = await verifyPassword(DEMO_CUSTOMER_PASSWORD, stored)
        record(performance.now() - started, ok)
      }
    }))
  }
  if (job.warmupSeconds > 0) await loop(job.warmupSeconds, () => {})
  const latencies: number[] = []
  let errors = 0
  const started = performance.now()
  await loop(job.seconds, (ms, ok) => {
    latencies.push(ms)
    if (!ok) errors++
  })
  const seconds = (performance.now() - started) / 1000
  latencies.sort((a, b) => a - b)
  return {
    requests: latencies.length,
    seconds,
    requestsPerSecond: latencies.length / seconds,
    p50: percentile(latencies, 0.5),
    p95: percentile(latencies, 0.95),
    p99: percentile(latencies, 0.99),
    errors,
  }
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const job = JSON.parse(process.argv[2] ?? '{}') as Argon2Job
    process.stdout.write(JSON.stringify(await measureArgon2(job)) + '\n')
  } catch (error) {
    console.error(error)
    process.exitCode = 1
  }
}
