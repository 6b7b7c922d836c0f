// `npm run bench`: seed a fresh database, start the built server (`keystone start`) on
// loopback, drive it over HTTP, and print one line per scenario:
//   scenario  requests/s  p50 ms  p95 ms  errors
// Options: --customers N (default 100000), --seconds S per scenario (default 10),
// --concurrency C (default 8), --json FILE (the same figures as JSON).
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { projectRoot, migrationsDir } from './lib/migrationFiles'
import { applyPendingMigrations } from './lib/migrator'
import { runKeystone } from './lib/keystoneCli'
import { DEMO_CUSTOMER_PASSWORD } from './lib/seedData'

const { values: options } = parseArgs({
  options: {
    customers: { type: 'string', default: '100000' },
    seconds: { type: 'string', default: '10' },
    concurrency: { type: 'string', default: '8' },
    json: { type: 'string' },
  },
})
const CUSTOMERS = Number(options.customers)
const SECONDS = Number(options.seconds)
const CONCURRENCY = Number(options.concurrency)
const SECRET = 'bench-session-secret-0123456789-abcdefghij'

type Result = { scenario: string, requestsPerSecond: number, p50: number, p95: number, errors: number, requests: number }
type Request = (i: number) => { body: string, headers?: Record<string, string>, ok?: (json: any) => boolean }

function percentile (sorted: number[], p: number): number {
  if (sorted.length === 0) return 0
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!
}

async function freePort (): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))))
    })
  })
}

// every request from its own documentation-range IP, so the login throttle measures nothing here
function fakeIp (i: number): string {
  return `198.18.${(i >> 8) & 255}.${i & 255}`
}

async function drive (url: string, scenario: string, request: Request, seconds = SECONDS, concurrency = CONCURRENCY): Promise<Result> {
  const latencies: number[] = []
  let errors = 0
  let counter = 0
  const deadline = performance.now() + seconds * 1000
  const started = performance.now()
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (performance.now() < deadline) {
      const i = counter++
      const { body, headers = {}, ok = json => !json.errors } = request(i)
      const t0 = performance.now()
      try {
        const response = await fetch(`${url}/api/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': fakeIp(i), ...headers }, body })
        const json = await response.json()
        if (!response.ok || !ok(json)) {
          if (errors++ === 0) console.error(`${scenario}: first error: ${JSON.stringify(json).slice(0, 300)}`)
        }
      } catch {
        errors++
      }
      latencies.push(performance.now() - t0)
    }
  }))
  const elapsed = (performance.now() - started) / 1000
  latencies.sort((a, b) => a - b)
  return { scenario, requests: latencies.length, requestsPerSecond: latencies.length / elapsed, p50: percentile(latencies, 0.5), p95: percentile(latencies, 0.95), errors }
}

function gql (query: string, variables: Record<string, unknown> = {}): string {
  return JSON.stringify({ query, variables })
}

const TOKEN_CREATE = 'mutation($email: String!, $password: String!) { tokenCreate(email: $email, password: $password) { token errors { code } } }'
const customerEmail = (i: number) => `customer${(i % CUSTOMERS) + 1}@example.com`

async function main () {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'identity-bench-'))
  const databaseUrl = process.env.BENCH_DATABASE_URL ?? `file:${path.join(dir, 'bench.db')}`
  let server: ChildProcess | undefined
  const results: Result[] = []
  try {
    if (!existsSync(path.join(projectRoot, '.keystone', 'config.js'))) await runKeystone(['build', '--no-ui'])
    process.env.DATABASE_URL = databaseUrl
    process.env.SESSION_SECRET = SECRET
    await applyPendingMigrations({ databaseUrl, migrationsDir })

    // seed: customers inserted per second, through the same code as `npm run seed`
    const { createContext } = await import('./lib/context')
    const { seed } = await import('./seed')
    const context = await createContext(databaseUrl)
    const summary = await seed({ context, provider: databaseUrl.startsWith('file:') ? 'sqlite' : 'postgresql', customers: CUSTOMERS, adminPassword: 'bench admin password' })
    await context.prisma.$disconnect()
    const seeded = summary.customers
    results.push({ scenario: 'seed', requests: seeded.created, requestsPerSecond: seeded.created / seeded.seconds, p50: 0, p95: 0, errors: 0 })
    console.log(`seeded ${seeded.created} customers in ${seeded.seconds.toFixed(1)} s`)

    const port = await freePort()
    const url = `http://127.0.0.1:${port}`
    server = spawn(process.execPath, [path.join(projectRoot, 'node_modules/@keystone-6/core/bin/cli.js'), 'start', '--no-ui'], {
      cwd: projectRoot,
      env: { ...process.env, NODE_ENV: 'production', DATABASE_URL: databaseUrl, SESSION_SECRET: SECRET, HOST: '127.0.0.1', PORT: String(port), TRUST_PROXY: '1' },
      stdio: ['ignore', 'ignore', 'inherit'],
    })
    for (let tries = 0; ; tries++) {
      try { if ((await fetch(`${url}/api/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: gql('{ __typename }') })).ok) break } catch {}
      if (tries > 600) throw new Error('the server did not start')
      await new Promise(resolve => setTimeout(resolve, 100))
    }

    results.push(await drive(url, 'tokenCreate', i => ({ body: gql(TOKEN_CREATE, { email: customerEmail(i), password: DEMO_CUSTOMER_PASSWORD }), ok: json => Boolean(json.data?.tokenCreate?.token) })))

    // enumeration: an unknown email must cost what a wrong password on a known one costs
    const wrong: number[] = []
    const unknown: number[] = []
    for (let i = 0; i < 200; i++) {
      for (const [list, email] of [[wrong, customerEmail(i + 7)], [unknown, `nobody${i}@example.com`]] as const) {
        const t0 = performance.now()
        await fetch(`${url}/api/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': fakeIp(50_000 + i) }, body: gql(TOKEN_CREATE, { email, password: 'wrong password here' }) })
        list.push(performance.now() - t0)
      }
    }
    wrong.sort((a, b) => a - b)
    unknown.sort((a, b) => a - b)

    const tokens: string[] = []
    for (let i = 0; i < 64; i++) {
      const response = await fetch(`${url}/api/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': fakeIp(60_000 + i) }, body: gql(TOKEN_CREATE, { email: customerEmail(i * 37), password: DEMO_CUSTOMER_PASSWORD }) })
      tokens.push((await response.json() as any).data.tokenCreate.token)
    }
    results.push(await drive(url, 'me (Bearer)', i => ({ body: gql('{ me { id email firstName addresses { city } } }'), headers: { authorization: `Bearer ${tokens[i % tokens.length]}` }, ok: json => Boolean(json.data?.me?.id) })))

    // each request adds to a different customer's book, so no book reaches its 100-address limit
    const ADDRESS = 'mutation($i: AddressInput!) { accountAddressCreate(input: $i) { address { id } errors { code } } }'
    const address = { firstName: 'Bench', lastName: 'Mark', streetAddress1: 'ul. Długa 5', city: 'Warszawa', postalCode: '00-950', country: 'PL', phone: '601 234 567' }
    results.push(await drive(url, 'accountAddressCreate', i => ({ body: gql(ADDRESS, { i: address }), headers: { authorization: `Bearer ${tokens[i % tokens.length]}` }, ok: json => json.data?.accountAddressCreate?.errors?.length === 0 })))

    const staffLogin = await fetch(`${url}/api/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': fakeIp(65_000) }, body: gql(TOKEN_CREATE, { email: 'admin@example.com', password: 'bench admin password' }) })
    const staffToken = (await staffLogin.json() as any).data.tokenCreate.token
    const terms = ['smith', 'customer42', 'warszawa', 'anna', '00-9', 'gmail', 'berlin', 'kowalsk']
    results.push(await drive(url, `customers(search) @${CUSTOMERS}`, i => ({ body: gql('query($s: String) { customers(search: $s, take: 20) { id email } }', { s: terms[i % terms.length] }), headers: { authorization: `Bearer ${staffToken}` }, ok: json => Array.isArray(json.data?.customers) })))

    console.log(['scenario'.padEnd(28), 'requests/s'.padStart(11), 'p50 ms'.padStart(9), 'p95 ms'.padStart(9), 'errors'.padStart(7)].join(''))
    for (const r of results) {
      console.log([r.scenario.padEnd(28), r.requestsPerSecond.toFixed(1).padStart(11), r.p50.toFixed(1).padStart(9), r.p95.toFixed(1).padStart(9), String(r.errors).padStart(7)].join(''))
    }
    const timing = { wrongPasswordP50: percentile(wrong, 0.5), unknownEmailP50: percentile(unknown, 0.5), samples: wrong.length }
    console.log(`tokenCreate timing, ${timing.samples} alternating sequential samples each: wrong password p50 ${timing.wrongPasswordP50.toFixed(1)} ms, unknown email p50 ${timing.unknownEmailP50.toFixed(1)} ms, difference ${(timing.unknownEmailP50 - timing.wrongPasswordP50).toFixed(1)} ms`)
    if (options.json) writeFileSync(options.json, JSON.stringify({ customers: CUSTOMERS, seconds: SECONDS, concurrency: CONCURRENCY, results, timing }, null, 2) + '\n')
  } finally {
    server?.kill('SIGTERM')
    rmSync(dir, { recursive: true, force: true })
  }
}

main().catch(error => {
  console.error(error)
  process.exit(1)
})
