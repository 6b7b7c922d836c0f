// Faults (issue 11): PostgreSQL stopped and started again under a running server. While the
// database is away every GraphQL request is answered at once with HTTP 503, a Retry-After header
// and one retryable DATABASE_UNAVAILABLE error (server/databaseErrors.ts), /readyz says the
// database is unreachable and /healthz stays 200; once it is back, the same process answers
// normally again. The test stops and starts a cluster of its own (tests/helpers/postgresCluster.ts),
// never the shared TEST_DATABASE_URL server.
import '../helpers/env'
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import path from 'node:path'
import { postgresBinDir, startPostgresCluster, type PostgresCluster } from '../helpers/postgresCluster'

const binDir = postgresBinDir()
const ROOT = path.resolve(import.meta.dirname, '../..')
const postgresBuilt = existsSync(path.join(ROOT, 'generated', 'postgresql-server', '.keystone', 'prisma.js'))
const skip =
  binDir === undefined
    ? "no PostgreSQL server binaries under /usr/lib/postgresql: install Debian's postgresql package"
    : !postgresBuilt
      ? 'no PostgreSQL build of the server: run the suite with TEST_DATABASE_URL set (or `.ci/with-postgres npm test`), which builds it'
      : undefined

const REGISTER = `mutation($input: AccountRegisterInput!) { accountRegister(input: $input) { requiresConfirmation errors { field code } } }`
const ME = '{ me { email } }'
const PASSWORD = 'outages come and go, data stays'
const REDIRECT = 'http://localhost:3001/confirm'
// a request while the database is away is answered well within this
const PROMPT_MS = 5_000

let cluster: PostgresCluster | undefined
let server: Awaited<ReturnType<typeof import('../helpers/server').startServer>> | undefined
let sent = 0

before(async () => {
  if (skip || binDir === undefined) return
  cluster = await startPostgresCluster(binDir)
  // the helpers ask for a PostgreSQL URL before serving PostgreSQL; this run may have none of its own
  process.env.TEST_DATABASE_URL ||= cluster.url()
  const { applyPendingMigrations } = await import('../../scripts/lib/migrator')
  const { startServer } = await import('../helpers/server')
  const databaseUrl = await cluster.createDatabase('identity_outage')
  await applyPendingMigrations({ databaseUrl, migrationsDir: path.join(ROOT, 'migrations') })
  server = await startServer({ databaseUrl, env: { OUTBOX_POLL_MS: '200' } })
})

after(async () => {
  try {
    await server?.stop()
  } finally {
    cluster?.destroy()
  }
})

function email(label: string): string {
  return `${label}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}@example.com`
}

async function timed<T>(work: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const started = Date.now()
  const result = await work()
  return { result, ms: Date.now() - started }
}

async function probe(name: 'healthz' | 'readyz'): Promise<{ status: number; body: any }> {
  sent++
  const response = await fetch(`${server!.url}/${name}`)
  return { status: response.status, body: await response.json() }
}

const NAME =
  'PostgreSQL stopped: 503 with Retry-After and DATABASE_UNAVAILABLE at once, /readyz unreachable; ' +
  'started again: the same process answers'

test(NAME, { skip }, async t => {
  const live = server!
  const { tokenFor } = await import('../helpers/actors')
  const { makeCustomer } = await import('../helpers/factories')
  const customer = await makeCustomer(live.context)
  const token = await tokenFor(live.context, String(customer.id))
  const register = () => {
    sent++
    return live.gql(REGISTER, { input: { email: email('outage'), password: PASSWORD, redirectUrl: REDIRECT } })
  }
  const me = () => {
    sent++
    return live.gql(ME, {}, { token })
  }

  // given a server that answers
  assert.deepEqual((await register()).body.data.accountRegister.errors, [])
  assert.equal((await me()).body.data.me.email, customer.email)
  assert.equal((await probe('readyz')).status, 200)

  // when the database server is stopped (fast: its sessions are ended, as in a restart)
  cluster!.stop('fast')

  // then every request is answered promptly with a retryable 503, anonymous or signed in (the
  // session is read while the request's context is made), the mutation's and the query's alike
  const during: number[] = []
  for (let round = 0; round < 3; round++) {
    for (const [what, call] of [
      ['accountRegister', register],
      ['me (Bearer)', me],
    ] as const) {
      const { result, ms } = await timed(call)
      during.push(ms)
      assert.equal(result.status, 503, `${what}: ${JSON.stringify(result.body)}`)
      assert.equal(result.headers.get('retry-after'), '5', what)
      assert.equal(result.body.errors?.length, 1, JSON.stringify(result.body))
      assert.equal(result.body.errors[0].extensions.code, 'DATABASE_UNAVAILABLE', what)
      assert.equal(result.body.errors[0].extensions.retryable, true, what)
      assert.doesNotMatch(
        JSON.stringify(result.body),
        /ECONNREFUSED|127\.0\.0\.1|Prisma|postgres/i,
        'no driver detail reaches the client',
      )
      assert.ok(ms < PROMPT_MS, `${what} answered in ${ms} ms`)
    }
  }
  const ready = await probe('readyz')
  assert.equal(ready.status, 503)
  assert.equal(ready.body.database, 'down')
  assert.match(ready.body.message, /unreachable/)
  assert.equal((await probe('healthz')).status, 200)

  // when it is started again
  cluster!.start()

  // then the same process (no restart) is ready and answers both requests normally
  const deadline = Date.now() + 30_000
  while ((await probe('readyz')).status !== 200) {
    assert.ok(Date.now() < deadline, '/readyz did not recover within 30 s')
    await new Promise(resolve => setTimeout(resolve, 200))
  }
  const registered = await register()
  assert.equal(registered.status, 200)
  assert.deepEqual(registered.body.data.accountRegister.errors, [])
  const again = await me()
  assert.equal(again.status, 200)
  assert.equal(again.body.data.me.email, customer.email)
  assert.equal(live.pid, server!.pid)
  t.diagnostic(`requests sent: ${sent}; answered 503 while down in at most ${Math.max(...during)} ms`)
})
