// `npm run bench`: seed a fresh database with the project's seed, start the built server
// (`keystone start`) on loopback, drive it over HTTP with autocannon, and print one line per
// scenario (`scenario  requests/s  p50 ms  p95 ms  errors`), then two ratios against references
// measured in the same run, then which of the targets are met.
//
// Three kinds of process, so that none measures the others' CPU: this coordinator (seeds, then
// only waits), the server, and for each scenario a load generator (scripts/lib/benchLoad.ts)
// or the argon2id reference (scripts/lib/benchArgon2.ts).
//
// Options: --customers N (default 100000), --seconds S per scenario (default 10), --connections C
// (default 10), --warmup S before each scenario (default 1 s, none when --seconds is under 5),
// --database-url postgres://… (a server whose user may create databases: the bench creates a
// database of its own there and drops it afterwards; without it, a temporary SQLite file),
// --build (rebuild the server first; by default a missing build only), --json FILE.
//
// The server runs as in production with the defaults that matter here: TRUST_PROXY off, so every
// request comes from 127.0.0.1 and tokenCreate is 10 clients signing in to one account from one
// IP, as the issue asks. The per-IP account-request limit (ACCOUNT_REQUEST_LIMIT) covers
// accountRegister, requestPasswordReset and requestEmailChange, which no scenario calls.
// ACCESS_TOKEN_TTL is an hour, so tokens taken before the scenarios outlive long --seconds.
import { spawn, type ChildProcess, type ChildProcessByStdio } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { createInterface } from 'node:readline'
import type { Readable, Writable } from 'node:stream'
import { parseArgs } from 'node:util'
import pg from 'pg'
import { buildPostgresqlServer, postgresqlServerRoot, runKeystone } from './lib/keystoneCli'
import { migrationsDir, projectRoot } from './lib/migrationFiles'
import { applyPendingMigrations } from './lib/migrator'
import { DEMO_CUSTOMER_PASSWORD, formatDemoCustomerEmail, makeDemoCustomer } from './lib/seedData'
import type { Argon2Job, Argon2Result } from './lib/benchArgon2'
import type { LoadJob, LoadResult, LoadVariant } from './lib/benchLoad'
import {
  evaluateTargets, formatReport, ratioOf, ME_RATIO_TARGET, TOKEN_CREATE_RATIO_TARGET,
  type BenchReport, type ScenarioLine, type SearchTerm,
} from './lib/benchReport'

const USAGE = 'Usage: npm run bench -- [--customers N] [--seconds S] [--connections C] [--warmup S] [--database-url postgres://…] [--build] [--json FILE]'

const { values: options } = parseArgs({
  options: {
    customers: { type: 'string', default: '100000' },
    seconds: { type: 'string', default: '10' },
    connections: { type: 'string', default: '10' },
    warmup: { type: 'string' },
    'database-url': { type: 'string' },
    build: { type: 'boolean', default: false },
    json: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
})
if (options.help) {
  console.log(USAGE)
  process.exit(0)
}

function positive (name: string, text: string, integer: boolean): number {
  const value = Number(text)
  if (!Number.isFinite(value) || value < 0 || (integer && !Number.isInteger(value))) {
    console.error(`--${name} needs a ${integer ? 'whole ' : ''}number ≥ 0, got "${text}"\n${USAGE}`)
    process.exit(2)
  }
  return value
}

const CUSTOMERS = positive('customers', options.customers, true)
const SECONDS = positive('seconds', options.seconds, true)
const CONNECTIONS = positive('connections', options.connections, true)
const WARMUP = options.warmup === undefined ? (SECONDS >= 5 ? 1 : 0) : positive('warmup', options.warmup, true)
const POSTGRES_URL = options['database-url']
if (CUSTOMERS < 1 || CONNECTIONS < 1 || SECONDS <= 0) {
  console.error(`--customers, --connections and --seconds must be above 0\n${USAGE}`)
  process.exit(2)
}
if (POSTGRES_URL !== undefined && !/^postgres(ql)?:\/\//.test(POSTGRES_URL)) {
  console.error(`--database-url must be a postgres:// URL (without it the bench runs on a temporary SQLite file)\n${USAGE}`)
  process.exit(2)
}

const SESSION_SECRET = randomBytes(32).toString('base64url')
const ADMIN_EMAIL = 'bench.admin@example.com'
const ADMIN_PASSWORD = randomBytes(18).toString('base64url')
// a book holds at most 100 addresses and a demo customer starts with one or two: with this many
// customers' tokens taken in turn, accountAddressCreate can run at 1,000 requests/s (ten times
// what it does on 2 cores) before a book fills up and refuses
const ADDRESS_TOKENS = Math.min(CUSTOMERS, Math.max(CONNECTIONS, Math.ceil((1000 * (SECONDS + WARMUP)) / 98)))
const PAGE = 20

const TOKEN_CREATE = 'mutation($email: String!, $password: String!) { tokenCreate(email: $email, password: $password) { token errors { field code } } }'
const ME = '{ me { id email } }'
const CHANNELS = '{ channels(take: 1) { id } }'
const ADDRESS_CREATE = 'mutation($input: AddressInput!) { accountAddressCreate(input: $input) { address { id } errors { field code } } }'
const ADDRESS = { firstName: 'Bench', lastName: 'Mark', streetAddress1: 'ul. Długa 5', city: 'Warszawa', postalCode: '00-950', country: 'PL', phone: '601 234 567' }
const CUSTOMERS_QUERY = 'query($search: String, $skip: Int, $take: Int) { customers(search: $search, skip: $skip, take: $take) { id email firstName lastName } }'
const CUSTOMERS_COUNT = 'query($search: String) { customersCount(search: $search) }'

function body (query: string, variables: Record<string, unknown> = {}): string {
  return JSON.stringify({ query, variables })
}

function bearer (token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` }
}

async function freePort (): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no free port'))))
    })
  })
}

function helperProcess (script: string, args: string[]): ChildProcessByStdio<Writable, Readable, null> {
  return spawn(process.execPath, ['--import', 'tsx', path.join(projectRoot, 'scripts/lib', script), ...args], {
    cwd: projectRoot,
    stdio: ['pipe', 'pipe', 'inherit'],
  })
}

/** Run a helper script in a process of its own and parse the JSON it prints. */
function runJsonChild<T> (script: string, args: string[]): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = helperProcess(script, args)
    let stdout = ''
    child.stdout.on('data', chunk => { stdout += chunk })
    child.once('error', reject)
    child.once('close', code => {
      if (code !== 0) return reject(new Error(`${script} failed (exit ${code})`))
      try {
        resolve(JSON.parse(stdout) as T)
      } catch {
        reject(new Error(`${script} printed no result: ${stdout.slice(0, 300)}`))
      }
    })
    child.stdin.end()
  })
}

type LoadGenerator = { run: (job: LoadJob) => Promise<LoadResult>, close: () => Promise<void> }

/** The load generator's process, started once for the whole run: a job per line in, a result per line out. */
function startLoadGenerator (): LoadGenerator {
  const child = helperProcess('benchLoad.ts', [])
  const waiting: Array<{ resolve: (result: LoadResult) => void, reject: (error: Error) => void }> = []
  const exited = new Promise<void>(resolve => child.once('close', code => {
    for (const { reject } of waiting.splice(0)) reject(new Error(`the load generator exited (${code}) before answering`))
    resolve()
  }))
  createInterface({ input: child.stdout, crlfDelay: Infinity }).on('line', line => {
    const next = waiting.shift()
    try {
      next?.resolve(JSON.parse(line) as LoadResult)
    } catch {
      next?.reject(new Error(`the load generator answered: ${line.slice(0, 300)}`))
    }
  })
  return {
    run (job) {
      return new Promise((resolve, reject) => {
        waiting.push({ resolve, reject })
        child.stdin.write(JSON.stringify(job) + '\n')
      })
    },
    async close () {
      child.stdin.end()
      await exited
    },
  }
}

type Server = { url: string, child: ChildProcess, output: () => string }

async function startServer (databaseUrl: string, cwd: string): Promise<Server> {
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  let log = ''
  const child = spawn(process.execPath, [path.join(projectRoot, 'node_modules/@keystone-6/core/bin/cli.js'), 'start', '--no-ui'], {
    cwd,
    env: {
      ...process.env,
      NODE_ENV: 'production',
      DATABASE_URL: databaseUrl,
      SESSION_SECRET,
      HOST: '127.0.0.1',
      PORT: String(port),
      PUBLIC_URL: url,
      TRUST_PROXY: 'off',
      ACCESS_TOKEN_TTL: '3600',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  child.stdout?.on('data', chunk => { log += chunk })
  child.stderr?.on('data', chunk => { log += chunk })
  const deadline = Date.now() + 120_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}:\n${log}`)
    try {
      const response = await fetch(`${url}/api/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: body('{ __typename }') })
      if (response.ok) return { url, child, output: () => log }
    } catch {}
    await new Promise(resolve => setTimeout(resolve, 100))
  }
  child.kill('SIGKILL')
  throw new Error(`the server did not start within 120 s:\n${log}`)
}

async function stopServer (server: Server | undefined): Promise<void> {
  if (!server || server.child.exitCode !== null) return
  await new Promise<void>(resolve => {
    server.child.once('exit', () => resolve())
    server.child.kill('SIGTERM')
    setTimeout(() => server.child.kill('SIGKILL'), 5000).unref()
  })
}

/** One GraphQL request for setting up a scenario; throws on any error, since setup must not fail. */
async function gql<T> (url: string, query: string, variables: Record<string, unknown> = {}, token?: string): Promise<T> {
  const response = await fetch(`${url}/api/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? bearer(token) : {}) },
    body: body(query, variables),
  })
  const json = await response.json() as { data?: T, errors?: unknown }
  if (!response.ok || json.errors || !json.data) throw new Error(`setup request failed: ${JSON.stringify(json).slice(0, 300)}`)
  return json.data
}

async function signIn (url: string, email: string, password: string): Promise<string> {
  const data = await gql<{ tokenCreate: { token: string | null, errors: unknown[] } }>(url, TOKEN_CREATE, { email, password })
  if (!data.tokenCreate.token) throw new Error(`signing in ${email} failed: ${JSON.stringify(data.tokenCreate.errors)}`)
  return data.tokenCreate.token
}

/** A database of its own on the PostgreSQL server, and the function that drops it. */
async function createPostgresDatabase (serverUrl: string): Promise<{ databaseUrl: string, drop: () => Promise<void> }> {
  const name = `identity_bench_${process.pid}_${randomBytes(4).toString('hex')}`
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: serverUrl })
    await client.connect()
    try {
      await client.query(sql)
    } finally {
      await client.end()
    }
  }
  await admin(`CREATE DATABASE ${pg.escapeIdentifier(name)}`)
  const url = new URL(serverUrl)
  url.pathname = `/${name}`
  return { databaseUrl: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`) }
}

/** Search terms of each kind the issue names, taken from the demo customers this run seeds. */
function searchTerms (customers: number): Array<{ kind: string, terms: string[] }> {
  const now = new Date()
  const surnames = new Map<string, number>()
  for (let index = 1; index <= customers; index++) {
    const { lastName } = makeDemoCustomer(index, now)
    surnames.set(lastName, (surnames.get(lastName) ?? 0) + 1)
  }
  // the surname fewest customers bear (ties: the first in the seed's order)
  const rare = [...surnames].reduce((best, entry) => (entry[1] < best[1] ? entry : best))[0]
  // ten customers spread over the range; for phones, the first from there on that has one
  const samples = Array.from({ length: Math.min(10, customers) }, (_, k) => 1 + Math.floor((k * customers) / 10))
  const phones: string[] = []
  for (const start of samples) {
    for (let index = start; index <= customers; index++) {
      const { phone } = makeDemoCustomer(index, now)
      if (phone) {
        phones.push(phone)
        break
      }
    }
  }
  return [
    { kind: 'email', terms: samples.map(formatDemoCustomerEmail) },
    { kind: 'rare surname', terms: [rare.toLowerCase()] },
    { kind: 'phone', terms: phones.length > 0 ? phones : ['+1'] },
    { kind: 'no match', terms: ['zq-no-such-customer'] },
    { kind: 'common', terms: ['smith'] },
  ]
}

function lineOf (scenario: string, kind: ScenarioLine['kind'], result: LoadResult | Argon2Result): ScenarioLine {
  const load = 'ok' in result ? result : undefined
  return {
    scenario,
    kind,
    requests: result.requests,
    requestsPerSecond: result.requestsPerSecond,
    okPerSecond: load ? load.okPerSecond : (result.requests - result.errors) / result.seconds,
    p50: result.p50,
    p95: result.p95,
    errors: result.errors,
    errorCodes: load ? load.errorCodes : (result.errors > 0 ? { WRONG_ANSWER: result.errors } : {}),
    ...(load?.firstError === undefined ? {} : { firstError: load.firstError }),
  }
}

async function main (): Promise<void> {
  const loadBefore = os.loadavg()
  const dir = mkdtempSync(path.join(os.tmpdir(), 'identity-bench-'))
  let server: Server | undefined
  let loadGenerator: LoadGenerator | undefined
  let dropDatabase: (() => Promise<void>) | undefined
  try {
    const database = POSTGRES_URL === undefined ? 'sqlite' : 'postgresql'
    // Keystone keeps one built Prisma client per folder: the PostgreSQL server runs from its own
    if (database === 'postgresql') {
      if (options.build || !existsSync(path.join(postgresqlServerRoot, '.keystone', 'prisma.js'))) {
        await buildPostgresqlServer(POSTGRES_URL!)
        // the PostgreSQL build replaces the SQLite one, which this puts back
        await runKeystone(['build', '--no-ui'])
      }
    } else if (options.build || !existsSync(path.join(projectRoot, '.keystone', 'config.js'))) {
      await runKeystone(['build', '--no-ui'])
    }

    let databaseUrl: string
    if (database === 'postgresql') {
      const created = await createPostgresDatabase(POSTGRES_URL!)
      databaseUrl = created.databaseUrl
      dropDatabase = created.drop
    } else {
      databaseUrl = `file:${path.join(dir, 'bench.db')}`
    }
    // read by env.ts when the seed imports the project's config
    process.env.DATABASE_URL = databaseUrl
    process.env.SESSION_SECRET = SESSION_SECRET
    await applyPendingMigrations({ databaseUrl, migrationsDir })

    // seed: customers inserted per second, by the code of `npm run seed`
    const { createContext } = await import('./lib/context')
    const { seed } = await import('./seed')
    const context = await createContext(databaseUrl)
    const summary = await seed({ context, provider: database, customers: CUSTOMERS, adminEmail: ADMIN_EMAIL, adminPassword: ADMIN_PASSWORD, log: line => console.log(line) })
    await context.prisma.$disconnect()
    const seeded = summary.customers
    console.log(`seeded ${seeded.created} customers (${seeded.addresses} addresses) in ${seeded.seconds.toFixed(1)} s`)
    const lines: ScenarioLine[] = [{
      scenario: 'seed (customers inserted/s)',
      kind: 'scenario',
      requests: seeded.created,
      requestsPerSecond: seeded.created / seeded.seconds,
      okPerSecond: seeded.created / seeded.seconds,
      p50: null,
      p95: null,
      errors: seeded.requested - seeded.created,
      errorCodes: {},
    }]

    server = await startServer(databaseUrl, database === 'postgresql' ? postgresqlServerRoot : projectRoot)
    const graphqlUrl = `${server.url}/api/graphql`
    const generator = loadGenerator = startLoadGenerator()
    const load = async (scenario: string, variants: LoadVariant[], check: Pick<LoadJob, 'valueAt' | 'errorsAt'>, kind: ScenarioLine['kind'] = 'scenario', connections = CONNECTIONS) => {
      const job: LoadJob = { url: graphqlUrl, connections, seconds: SECONDS, warmupSeconds: WARMUP, variants, ...check }
      const line = { ...lineOf(scenario, kind, await generator.run(job)), connections }
      lines.push(line)
      console.log(`  ${scenario}: ${line.requestsPerSecond.toFixed(1)} requests/s, ${line.errors} errors`)
      return line
    }

    // tokenCreate against raw argon2id at the same concurrency, one right after the other
    const argon2Job: Argon2Job = { concurrency: CONNECTIONS, seconds: SECONDS, warmupSeconds: WARMUP }
    const argon2 = { ...lineOf('ref: argon2id verify (raw)', 'reference', await runJsonChild<Argon2Result>('benchArgon2.ts', [JSON.stringify(argon2Job)])), connections: CONNECTIONS }
    lines.push(argon2)
    console.log(`  ${argon2.scenario}: ${argon2.requestsPerSecond.toFixed(1)} verifications/s`)
    // every connection signs in to the same account from the same IP, with the right password
    const tokenCreate = await load('tokenCreate (1 account, 1 IP)', [{ body: body(TOKEN_CREATE, { email: formatDemoCustomerEmail(1), password: DEMO_CUSTOMER_PASSWORD }) }],
      { valueAt: ['data', 'tokenCreate', 'token'], errorsAt: ['data', 'tokenCreate', 'errors'] })

    // me against Keystone's generated query, anonymous, in the same app
    const channels = await load('ref: channels(take: 1) anonymous', [{ body: body(CHANNELS) }], { valueAt: ['data', 'channels', '0', 'id'] }, 'reference')
    const tokens: string[] = []
    for (let next = 1; next <= ADDRESS_TOKENS;) {
      const batch = Array.from({ length: Math.min(4, ADDRESS_TOKENS - next + 1) }, (_, i) => formatDemoCustomerEmail(next + i))
      next += batch.length
      tokens.push(...await Promise.all(batch.map(email => signIn(server!.url, email, DEMO_CUSTOMER_PASSWORD))))
    }
    const me = await load('me (Bearer)', tokens.map(token => ({ body: body(ME), headers: bearer(token) })), { valueAt: ['data', 'me', 'id'] })

    // each request adds to the next customer's book in turn, so no book reaches its limit
    await load('accountAddressCreate', tokens.map(token => ({ body: body(ADDRESS_CREATE, { input: ADDRESS }), headers: bearer(token) })),
      { valueAt: ['data', 'accountAddressCreate', 'address', 'id'], errorsAt: ['data', 'accountAddressCreate', 'errors'] })

    const staffToken = await signIn(server.url, ADMIN_EMAIL, ADMIN_PASSWORD)
    const staff = bearer(staffToken)
    const kinds = searchTerms(CUSTOMERS)
    const terms: SearchTerm[] = []
    for (const { kind, terms: list } of kinds) {
      const term = list[0]!
      const data = await gql<{ customersCount: number }>(server.url, CUSTOMERS_COUNT, { search: term }, staffToken)
      terms.push({ kind, term, matches: data.customersCount })
    }
    // every kind in turn, as staff would search, at the run's connections
    const mixed: string[] = []
    for (let i = 0; i < 10; i++) for (const { terms: list } of kinds) mixed.push(list[i % list.length]!)
    const customersCheck = { valueAt: ['data', 'customers'] }
    await load(`customers(search) @${CUSTOMERS}`, mixed.map(search => ({ body: body(CUSTOMERS_QUERY, { search, take: PAGE }), headers: staff })), customersCheck)
    // then each kind's own latency, one request at a time: a search that scans every customer
    // takes long enough that ten of them queued behind each other would only measure the queue
    for (const { kind, terms: list } of kinds) {
      await load(`customers(search: ${kind}) ×1`, list.map(search => ({ body: body(CUSTOMERS_QUERY, { search, take: PAGE }), headers: staff })), customersCheck, 'scenario', 1)
    }
    await load('customersCount(search) ×1', mixed.map(search => ({ body: body(CUSTOMERS_COUNT, { search }), headers: staff })), { valueAt: ['data', 'customersCount'] }, 'scenario', 1)
    const skip = Math.floor((CUSTOMERS * 0.99) / PAGE) * PAGE
    await load(`customers(skip: ${skip}) deep page ×1`, [{ body: body(CUSTOMERS_QUERY, { skip, take: PAGE }), headers: staff }], customersCheck, 'scenario', 1)

    const meRatio = ratioOf('me ÷ anonymous generated query', me, channels, ME_RATIO_TARGET)
    // refused sign-ins cost no argon2 run: only the ones that signed in are compared
    const tokenRatio = ratioOf('tokenCreate (signed in) ÷ raw argon2id verify', tokenCreate, argon2, TOKEN_CREATE_RATIO_TARGET, true)
    const report: BenchReport = {
      database,
      customers: CUSTOMERS,
      connections: CONNECTIONS,
      seconds: SECONDS,
      warmupSeconds: WARMUP,
      cpus: os.cpus().length,
      loadAverage: { before: loadBefore, after: os.loadavg() },
      lines,
      ratios: [meRatio, tokenRatio],
      targets: evaluateTargets({ me, meRatio, tokenCreate, tokenRatio }),
      searchTerms: terms,
    }
    console.log(`\n${formatReport(report)}`)
    if (options.json) writeFileSync(options.json, JSON.stringify(report, null, 2) + '\n')
  } finally {
    await loadGenerator?.close()
    await stopServer(server)
    await dropDatabase?.().catch(error => console.error(`dropping the bench database failed: ${(error as Error).message}`))
    rmSync(dir, { recursive: true, force: true })
  }
}

main().catch(error => {
  console.error(error)
  process.exit(1)
})
