// The reference `tokenCreate` is compared with in `npm run bench`: raw argon2id verification of the
// right password, through services/identity/passwords.ts (so with exactly the server's parameters), with
// the same number in flight as the load has connections, in a process of its own like the server:
//   node --import tsx scripts/lib/benchArgon2.ts < jobs.jsonl > results.jsonl
// One job per line in ({"concurrency":10,"seconds":10,"warmupSeconds":1}), one result per line out:
// verifications per second, their latencies, and wrong answers as errors.
import path from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { hashPassword, verifyPassword } from '../../services/identity'
import { percentile } from './benchReport'
import { DEMO_CUSTOMER_PASSWORD } from './seedData'

export type Argon2Job = { concurrency: number; seconds: number; warmupSeconds: number }

export type Argon2Result = {
  requests: number
  seconds: number
  requestsPerSecond: number
  p50: number
  p95: number
  p99: number
  latencies: number[]
  errors: number
}

let storedHash: Promise<string> | undefined

/** Verify the demo password against its hash, `concurrency` at a time, for `seconds`. */
export async function measureArgon2(job: Argon2Job): Promise<Argon2Result> {
  storedHash ??= hashPassword(DEMO_CUSTOMER_PASSWORD)
  const stored = await storedHash
  const loop = async (seconds: number, record: (ms: number, ok: boolean) => void) => {
    const deadline = performance.now() + seconds * 1000
    await Promise.all(
      Array.from({ length: job.concurrency }, async () => {
        while (performance.now() < deadline) {
          const started = performance.now()
          const ok = await verifyPassword(DEMO_CUSTOMER_PASSWORD, stored)
          record(performance.now() - started, ok)
        }
      }),
    )
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
    latencies: latencies.map(ms => Math.round(ms * 100) / 100),
    errors,
  }
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
      if (line.trim() === '') continue
      process.stdout.write(JSON.stringify(await measureArgon2(JSON.parse(line) as Argon2Job)) + '\n')
    }
  } catch (error) {
    console.error(error)
    process.exitCode = 1
  }
}
