// Hostile input generated from the committed schema.graphql (tests/helpers/hostileInputs.ts),
// against a real production server on the run's database (TEST_DATABASE): every query and
// mutation field, each hostile shape sent as anonymous, as a customer and as staff with only
// MANAGE_USERS. For every answer: status below 500, answered within 2 s, a JSON GraphQL body and
// no internal error; a refused mutation (errors and no data, or every payload with errors) changes
// no row and queues no mail; a query changes nothing; and after each field and actor the server
// still answers `{ __typename channelsCount }` within 2 s.
//
// Deterministic: the seed is printed; HOSTILE_SEED=<n> replays another, HOSTILE_ONLY=<regexp>
// sends only the fields whose name matches. Bounded: about 1,000 cases × 3 actors, every body
// under the server's 100 KB limit, loopback only; a request is given up after 20 s, and once slow
// answers have spent HOSTILE_BUDGET_SECONDS (120) the remaining cases fail as not sent.
import '../helpers/env'
import { createHash } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, type TestServer } from '../helpers/server'
import { makeActors, tokenFor, type Actor } from '../helpers/actors'
import { makeAddress, makeCustomer, makeCustomerGroup } from '../helpers/factories'
import {
  DEFAULT_SEED,
  describeShape,
  hostileCases,
  inputTypesReached,
  loadSchema,
  type HostileCase,
} from '../helpers/hostileInputs'

const SEED = process.env.HOSTILE_SEED ? Number(process.env.HOSTILE_SEED) : DEFAULT_SEED
const ONLY = process.env.HOSTILE_ONLY ? new RegExp(process.env.HOSTILE_ONLY) : undefined
// the time slow answers may take (and the server's recovery after them) before the rest is not sent
const BUDGET_MS = Number(process.env.HOSTILE_BUDGET_SECONDS || 120) * 1000
// what the issue asks of every answer
const LIMIT_MS = 2_000
// how long one request is waited for, to say how long it really took
const GIVE_UP_MS = 20_000
// how long the server may take to answer the probe again after a slow answer
const RECOVERY_MS = 60_000

const schema = loadSchema()
const cases = hostileCases(schema, SEED).filter(c => !ONLY || ONLY.test(c.field))
const fingerprint = createHash('sha256').update(JSON.stringify(cases)).digest('hex').slice(0, 12)

let server: TestServer
let actors: Actor[]
let spentMs = 0
// the digest after the last refused mutation, still the database's state (undefined once anything may have written)
let lastDigest: Digest | undefined

type Answer = {
  status: number
  ms: number
  contentType: string
  text: string
  body?: any
  gaveUp?: boolean
}

async function send(query: string, variables: Record<string, unknown>, actor?: Actor, giveUpMs = GIVE_UP_MS) {
  const headers: Record<string, string> = { 'content-type': 'application/json' }
  if (actor?.token) headers.authorization = `Bearer ${actor.token}`
  const controller = new AbortController()
  const timer = setTimeout(() => controller.abort(), giveUpMs)
  const started = performance.now()
  try {
    const response = await fetch(`${server.url}/api/graphql`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ query, variables }),
      signal: controller.signal,
    })
    const text = await response.text()
    const answer: Answer = {
      status: response.status,
      ms: performance.now() - started,
      contentType: response.headers.get('content-type') ?? '',
      text,
    }
    try {
      answer.body = JSON.parse(text)
    } catch {}
    return answer
  } catch (error) {
    if (!controller.signal.aborted) throw error
    return { status: 0, ms: performance.now() - started, contentType: '', text: '', gaveUp: true } satisfies Answer
  } finally {
    clearTimeout(timer)
  }
}

// what the server must answer promptly between cases: itself, and a query that reaches the database
const PROBE = '{ __typename channelsCount }'
const probeAnswered = (answer: Answer | undefined) =>
  answer !== undefined && !answer.gaveUp && answer.ms < LIMIT_MS && answer.body?.data?.__typename === 'Query'

/**
 * Wait until the probe is answered within the limit again; how long that took. After a request
 * given up on, first the server's own time budget (10 s) passes: its work may go on without a
 * blocked event loop to show it, and would otherwise be blamed on the next case.
 */
async function recover(gaveUp = false): Promise<number> {
  const started = performance.now()
  if (gaveUp) await new Promise(resolve => setTimeout(resolve, 10_000))
  while (performance.now() - started < RECOVERY_MS) {
    const answer = await send(PROBE, {}, undefined, LIMIT_MS).catch(() => undefined)
    if (probeAnswered(answer)) return performance.now() - started
    await new Promise(resolve => setTimeout(resolve, 100))
  }
  throw new Error(`the server did not answer ${PROBE} within ${RECOVERY_MS / 1000} s`)
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`

// an internal error that reached the client: a 500 answered as 200, or the internals of one
const UNEXPECTED_CODES = new Set(['INTERNAL_SERVER_ERROR', 'KS_PRISMA_ERROR'])
const INTERNALS =
  /Invalid `[^`]*prisma|prisma\.\w+\.\w+\(|Transaction API error|SQLITE_|violates|duplicate key|Cannot return null for non-nullable|\bat \S+:\d+:\d+|TypeError|RangeError|Maximum call stack/

/** What is wrong with an answer, whatever was asked. */
function problemsOf(answer: Answer): string[] {
  const problems: string[] = []
  if (answer.gaveUp) return [`no answer within ${seconds(GIVE_UP_MS)}`]
  if (answer.ms >= LIMIT_MS) problems.push(`answered after ${seconds(answer.ms)} (limit ${seconds(LIMIT_MS)})`)
  if (answer.status >= 500) problems.push(`HTTP ${answer.status}`)
  const body = answer.body
  if (!/json/.test(answer.contentType) || body === undefined)
    problems.push(`not a JSON body (${answer.contentType || 'no content type'}: ${answer.text.slice(0, 80)})`)
  else if (!body || typeof body !== 'object' || !('data' in body || Array.isArray(body.errors)))
    problems.push(`not a GraphQL body: ${answer.text.slice(0, 80)}`)
  else if (body.errors !== undefined) {
    if (!Array.isArray(body.errors) || body.errors.some((e: any) => typeof e?.message !== 'string'))
      problems.push(`errors are not a list of messages: ${JSON.stringify(body.errors).slice(0, 80)}`)
    else
      for (const error of body.errors) {
        // the server's own alarm (server/graphqlLogging.ts): no code, or an internal or Prisma one
        const code = error.extensions?.code
        if (code === undefined || UNEXPECTED_CODES.has(code) || INTERNALS.test(error.message)) {
          problems.push(
            `internal error answered (${code ?? 'no code'}): ${error.message.replace(/\s+/g, ' ').slice(0, 140)}`,
          )
          break
        }
      }
  }
  return problems
}

/** A refused mutation: errors and no field answered, or every field's payload carrying errors. */
function refused(answer: Answer): boolean {
  const body = answer.body
  if (!body || typeof body !== 'object') return answer.status >= 400
  const values = body.data && typeof body.data === 'object' ? Object.values(body.data) : []
  if (Array.isArray(body.errors) && body.errors.length > 0 && values.every(v => v === null)) return true
  return (
    values.length > 0 &&
    values.every((v: any) => v && typeof v === 'object' && Array.isArray(v.errors) && v.errors.length > 0)
  )
}

// ---- the database's digest: every table's rows, hashed; the throttles' counters are left out
// (counting refused attempts is their job), and of the two queues only what a request writes
// (their workers update delivery state on their own)

const TABLES: Record<string, Record<string, unknown>> = {
  user: { include: { customerGroups: { select: { id: true } }, permissionGroups: { select: { id: true } } } },
  address: {},
  customerGroup: {},
  permissionGroup: { include: { accessibleChannels: { select: { id: true } } } },
  channel: {},
  accountEvent: {},
  oneTimeToken: {},
  webhook: {},
  outboxMail: { select: { id: true, to: true, subject: true, template: true, userId: true, createdAt: true } },
  webhookDelivery: { select: { id: true, webhookId: true, event: true, payload: true, createdAt: true } },
}

type Digest = Record<string, { rows: number; hash: string }>

async function digest(): Promise<Digest> {
  const prisma = server.context.prisma as any
  const out: Digest = {}
  for (const [table, args] of Object.entries(TABLES)) {
    const rows = await prisma[table].findMany({ ...args, orderBy: { id: 'asc' } })
    out[table] = { rows: rows.length, hash: createHash('sha256').update(JSON.stringify(rows)).digest('hex') }
  }
  return out
}

function changes(before: Digest, after: Digest): string[] {
  return Object.keys(TABLES)
    .filter(table => before[table]?.hash !== after[table]?.hash)
    .map(table => {
      const was = before[table]?.rows ?? 0
      const now = after[table]?.rows ?? 0
      if (table === 'outboxMail' && now > was) return `${now - was} mail(s) queued`
      return was === now ? `${table}: rows changed` : `${table}: ${was} → ${now} rows`
    })
}

// ---- one field, every shape, every actor

type Run = { failures: string[] }

async function runCase(c: HostileCase, actor: Actor, run: Run): Promise<void> {
  const where = () => `[${actor.name}] ${c.shape} ${describeShape(c.variables)}`
  if (spentMs > BUDGET_MS) {
    run.failures.push(`${where()}: not sent, the run's ${seconds(BUDGET_MS)} budget was spent by slow answers`)
    return
  }
  let before = c.operation === 'mutation' ? (lastDigest ?? (await digest())) : undefined
  lastDigest = undefined
  let answer = await send(c.query, c.variables, actor)
  if (answer.gaveUp || answer.ms >= LIMIT_MS) {
    const recovery = await recover(answer.gaveUp)
    spentMs += answer.ms + recovery
    // a little over the limit may be the machine's load: sent once more after the server is free
    if (!answer.gaveUp && answer.ms < 2 * LIMIT_MS) {
      // what the first one changed is not the second one's doing
      if (before) before = await digest()
      answer = await send(c.query, c.variables, actor)
      if (answer.gaveUp || answer.ms >= LIMIT_MS) spentMs += answer.ms + (await recover(answer.gaveUp))
    } else if (!answer.gaveUp && recovery > LIMIT_MS) {
      run.failures.push(`${where()}: the server answered ${PROBE} again only after ${seconds(recovery)}`)
    }
  }
  for (const problem of problemsOf(answer)) run.failures.push(`${where()}: ${problem}`)
  if (before && refused(answer)) {
    const now = await digest()
    const changed = changes(before, now)
    lastDigest = now
    if (changed.length > 0)
      run.failures.push(`${where()}: refused (${errorCodes(answer)}) but changed the database: ${changed.join('; ')}`)
  }
}

function errorCodes(answer: Answer): string {
  const body = answer.body ?? {}
  const codes = new Set<string>()
  for (const e of body.errors ?? []) codes.add(e.extensions?.code ?? 'no code')
  for (const v of Object.values(body.data ?? {}) as any[]) for (const e of v?.errors ?? []) codes.add(e.code)
  return [...codes].join(', ') || `HTTP ${answer.status}`
}

async function refreshTokens(): Promise<void> {
  // a field may sign the actor out everywhere (tokensDeactivateAll): the next field starts signed in
  for (const actor of actors) if (actor.id) actor.token = await tokenFor(server.context, actor.id)
}

before(async () => {
  server = await startServer({
    env: {
      // the per-IP limit on account requests would answer most cases before their input is read
      ACCOUNT_REQUEST_LIMIT: '1000000',
      // the outbox worker stays out of the way: queued mails are the evidence
      OUTBOX_POLL_MS: '3600000',
    },
  })
  const all = await makeActors(server.context)
  actors = [all.anonymous, all.customer, all.supportStaff]
  // rows for the filters to walk: customers with addresses, in groups
  const groups = [await makeCustomerGroup(server.context), await makeCustomerGroup(server.context)]
  for (let i = 0; i < 30; i++) {
    const customer = await makeCustomer(server.context, {
      customerGroups: { connect: [{ id: groups[i % 2]!.id }] },
    })
    await makeAddress(server.context, customer.id)
    await makeAddress(server.context, customer.id, { city: `City ${i}` })
  }
  console.log(
    `hostile input: seed ${SEED} (HOSTILE_SEED=${SEED} replays it), ${cases.length} cases × ${actors.length} actors, fingerprint ${fingerprint}, ${server.database}`,
  )
})

after(async () => {
  await server?.stop()
})

describe(`hostile input generated from schema.graphql, seed ${SEED}`, () => {
  test('every input type of the schema is reached from some argument', () => {
    const { reached, all } = inputTypesReached(schema)
    assert.deepEqual(
      [...all].filter(name => !reached.has(name)),
      [],
    )
  })

  test('a body over the limit is refused with 413 and a GraphQL error', async () => {
    const answer = await send('query($x: String) { __typename }', { x: 'a'.repeat(150_000) })
    assert.equal(answer.status, 413)
    assert.equal(answer.body?.errors?.[0]?.extensions?.code, 'PAYLOAD_TOO_LARGE')
  })

  test('the checks can fail: a refusal is told from an answer, and the digest sees a mail and a changed row', async () => {
    const answer = (body: unknown): Answer => ({ status: 200, ms: 1, contentType: 'application/json', text: '', body })
    assert.equal(refused(answer({ errors: [{ message: 'no' }], data: null })), true)
    assert.equal(refused(answer({ errors: [{ message: 'no' }], data: { f0: null, f1: null } })), true)
    assert.equal(refused(answer({ data: { f0: { errors: [{ code: 'INVALID' }] } } })), true)
    assert.equal(refused(answer({ errors: [{ message: 'no' }], data: { f0: null, f1: { id: '1' } } })), false)
    assert.equal(refused(answer({ data: { f0: { errors: [] } } })), false)
    assert.deepEqual(problemsOf({ ...answer({ data: null }), status: 500, ms: 2_500 }), [
      'answered after 2.5 s (limit 2.0 s)',
      'HTTP 500',
    ])
    assert.match(
      problemsOf(answer({ errors: [{ message: 'x', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] })).join(),
      /internal error/,
    )

    const prisma = server.context.prisma as any
    const before = await digest()
    const mail = await prisma.outboxMail.create({ data: { to: 'self-check@example.com', template: 'self-check' } })
    const customer = actors[1]!
    const { firstName } = await prisma.user.findUniqueOrThrow({ where: { id: customer.id } })
    await prisma.user.update({ where: { id: customer.id }, data: { firstName: 'Changed' } })
    const changed = changes(before, await digest())
    await prisma.outboxMail.delete({ where: { id: mail.id } })
    await prisma.user.update({ where: { id: customer.id }, data: { firstName } })
    assert.deepEqual(changed, ['user: rows changed', '1 mail(s) queued'])
  })

  const fields = [...new Set(cases.map(c => `${c.operation} ${c.field}`))]
  for (const name of fields) {
    const [operation, field] = name.split(' ')
    const mine = cases.filter(c => c.operation === operation && c.field === field)
    test(`${name}: ${mine.length} shapes × anonymous, customer, staff with MANAGE_USERS`, async () => {
      const run: Run = { failures: [] }
      for (const actor of actors) {
        lastDigest = undefined
        const before = operation === 'query' ? await digest() : undefined
        for (const c of mine) await runCase(c, actor, run)
        if (before) {
          const changed = changes(before, await digest())
          if (changed.length > 0)
            run.failures.push(`[${actor.name}] queries changed the database: ${changed.join('; ')}`)
        }
        const health = await send(PROBE, {})
        if (!probeAnswered(health)) {
          run.failures.push(`[${actor.name}] afterwards ${PROBE} took ${seconds(health.ms)}`)
          spentMs += await recover()
        }
        if (operation === 'mutation') await refreshTokens()
      }
      assert.equal(
        run.failures.length,
        0,
        `${name} (seed ${SEED}, HOSTILE_ONLY='^${field}$'):\n  ${run.failures.join('\n  ')}`,
      )
    })
  }
})
