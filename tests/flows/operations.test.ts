// Operations (issue 11): request ids and JSON log lines without secrets, the development mail
// console and its absence in production, and SIGTERM draining a request in flight.
import '../helpers/env'
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { connect } from 'node:net'
import { request } from 'node:http'
import { startServer, type TestServer } from '../helpers/server'
import { makeCustomer, PASSWORD } from '../helpers/factories'
import { findSecrets } from '../helpers/serverLogs'

const REGISTER = `mutation($input: AccountRegisterInput!) { accountRegister(input: $input) { requiresConfirmation errors { field code } } }`
const CONFIRM = `mutation($email: String!, $token: String!) { confirmAccount(email: $email, token: $token) { user { email isConfirmed } errors { field code } } }`
const TOKEN_CREATE = `mutation($email: String!, $password: String!) { tokenCreate(email: $email, password: $password) { token errors { code } } }`
const REDIRECT = 'http://localhost:3001/confirm'
const NEW_PASSWORD = 'operations walk the long way round'

let production: TestServer

before(async () => {
  production = await startServer({ env: { OUTBOX_POLL_MS: '100' } })
})
after(async () => {
  await production?.stop()
})

function email(label: string): string {
  return `${label}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}@example.com`
}

async function waitFor(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 50))
  }
}

function jsonLines(output: string): Record<string, any>[] {
  return output
    .split('\n')
    .filter(line => line.trim() !== '')
    .map(line => JSON.parse(line))
}

test('every answer carries X-Request-Id: a sane incoming one is kept, anything else is replaced by a new id', async () => {
  // when
  const kept = await fetch(`${production.url}/healthz`, { headers: { 'x-request-id': 'edge-7f3a.42' } })
  const fresh = await fetch(`${production.url}/healthz`)
  const forged = await fetch(`${production.url}/healthz`, { headers: { 'x-request-id': 'a"} {"level":"fatal' } })

  // then
  assert.equal(kept.headers.get('x-request-id'), 'edge-7f3a.42')
  assert.match(fresh.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/)
  assert.match(forged.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/)
})

test('a production server writes JSON lines only, each line of a request carries its id, and a sign-in logs no password or token', async () => {
  // given
  const customer = await makeCustomer(production.context)
  const id = `ops-${Date.now()}`

  // when: a sign-in that succeeds (a JWT in the answer) and one that fails (a GraphQL error logged)
  const signedIn = await production.gql(
    TOKEN_CREATE,
    { email: customer.email, password: PASSWORD },
    { headers: { 'x-request-id': id } },
  )
  const refused = await production.gql(
    '{ nope }',
    {},
    { token: signedIn.body.data.tokenCreate.token, headers: { 'x-request-id': `${id}-b` } },
  )

  // then
  assert.ok(signedIn.body.data.tokenCreate.token)
  assert.equal(refused.status, 400)
  await waitFor('the access lines', () =>
    jsonLines(production.output()).some(line => line.requestId === `${id}-b` && /^POST \/api\/graphql/.test(line.msg)),
  )
  const lines = jsonLines(production.output())
  const access = lines.find(line => line.requestId === id && /^POST \/api\/graphql 200$/.test(line.msg))
  assert.ok(access, 'an access line for the sign-in')
  assert.deepEqual(Object.keys(access.req).sort(), ['method', 'path', 'remoteAddress'])
  const graphqlError = lines.find(line => line.requestId === `${id}-b` && line.graphql)
  assert.deepEqual(graphqlError?.graphql, { code: 'GRAPHQL_VALIDATION_FAILED' })
  assert.ok(lines.some(line => /^server listening on 127\.0\.0\.1:\d+$/.test(line.msg)))
  assert.deepEqual(findSecrets(production.output()), [])
})

test("the Admin UI's metadata asked for without a session is answered KS_ACCESS_DENIED, an expected refusal the production log leaves out", async () => {
  // given: what the Admin UI shell asks on every page, the sign-in page included
  const id = `ops-meta-${Date.now()}`
  // when
  const res = await production.gql(
    'query KsFetchAdminMeta { keystone { adminMeta { lists { key } } } }',
    {},
    {
      headers: { 'x-request-id': id },
    },
  )
  // then: answered as the refusal it is, and at info (production's level) only the access line
  // (tests/api/graphqlErrorLog.test.ts: the refusal's own line is at debug)
  assert.equal(res.body.errors?.[0]?.extensions?.code, 'KS_ACCESS_DENIED', JSON.stringify(res.body.errors))
  await waitFor('the access line', () =>
    jsonLines(production.output()).some(line => line.requestId === id && /^POST \/api\/graphql/.test(line.msg)),
  )
  assert.deepEqual(
    jsonLines(production.output()).filter(line => line.requestId === id && line.graphql),
    [],
  )
})

test("in production without SMTP_URL the start warns once that no mail will leave, and a registration's mail stays in the outbox without its recipient or link in the log", async () => {
  // given: the production server, started without SMTP_URL
  const to = email('prod-register')

  // when
  const registered = await production.gql(REGISTER, {
    input: { email: to, password: NEW_PASSWORD, redirectUrl: REDIRECT },
  })

  // then
  assert.deepEqual(registered.body.data.accountRegister.errors, [])
  const [mail] = await production.context.sudo().db.OutboxMail.findMany({ where: { to: { equals: to } } })
  assert.equal(mail?.status, 'pending')
  // many poll intervals (OUTBOX_POLL_MS 100): a line per mail would have been written by now
  await new Promise(resolve => setTimeout(resolve, 2_000))
  const warnings = jsonLines(production.output()).filter(line => /SMTP_URL/.test(line.msg))
  assert.equal(warnings.length, 1, production.output())
  assert.equal(warnings[0]!.level, 'warn')
  assert.match(
    warnings[0]!.msg,
    /^SMTP_URL is not set: no mail will leave this server; mails stay in the outbox \(\d+ waiting\) until it is set and the server restarted$/,
  )
  assert.ok(!production.output().includes(to), 'the recipient reached the log')
  assert.doesNotMatch(production.output(), /token=/)
  assert.doesNotMatch(production.output(), new RegExp(REDIRECT))
})

test('in development without SMTP_URL each mail is printed with its link and marked sent, and the link confirms the account', async () => {
  // given: `npm run dev` runs the server with NODE_ENV=development
  const development = await startServer({ env: { NODE_ENV: 'development', OUTBOX_POLL_MS: '100' } })
  try {
    const to = email('dev-register')

    // when
    const registered = await development.gql(REGISTER, {
      input: { email: to, password: NEW_PASSWORD, redirectUrl: REDIRECT },
    })
    assert.deepEqual(registered.body.data.accountRegister.errors, [])
    await waitFor('the printed mail', () => development.output().includes(`To:      ${to}`))

    // then: recipient, subject and the confirmation link, on the console
    const output = development.output()
    const block = output.slice(output.indexOf(`To:      ${to}`))
    assert.match(
      block,
      /^To: {6}\S+\nSubject: Confirm your account\nLink: {4}http:\/\/localhost:3001\/confirm\?email=\S+&token=\S+\n/,
    )
    const link = new URL(/Link: {4}(\S+)/.exec(block)![1]!)
    const statusOf = async () =>
      (await development.context.sudo().db.OutboxMail.findMany({ where: { to: { equals: to } } }))[0]?.status
    const deadline = Date.now() + 20_000
    while ((await statusOf()) !== 'sent' && Date.now() < deadline) await new Promise(resolve => setTimeout(resolve, 50))
    assert.equal(await statusOf(), 'sent')

    // and the printed link confirms the account
    const confirmed = await development.gql(CONFIRM, {
      email: link.searchParams.get('email'),
      token: link.searchParams.get('token'),
    })
    assert.deepEqual(confirmed.body.data.confirmAccount, { user: { email: to, isConfirmed: true }, errors: [] })
  } finally {
    await development.stop()
  }
})

test('SIGTERM answers the request in flight, refuses new connections, and exits 0 with a line saying it stopped cleanly', async () => {
  // given: a server of its own, and a sign-in whose body is only half sent, so the request is in flight
  const server = await startServer()
  let stopped = false
  try {
    const customer = await makeCustomer(server.context)
    const body = JSON.stringify({ query: TOKEN_CREATE, variables: { email: customer.email, password: PASSWORD } })
    const { port } = new URL(server.url)
    const answer = new Promise<{ status: number; body: any }>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          path: '/api/graphql',
          method: 'POST',
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        res => {
          let text = ''
          res.on('data', chunk => {
            text += chunk
          })
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }))
        },
      )
      req.on('error', reject)
      req.write(body.slice(0, 20))
      // the rest after the signal
      setTimeout(() => req.end(body.slice(20)), 1500)
    })
    await new Promise(resolve => setTimeout(resolve, 300))

    // when
    process.kill(server.pid, 'SIGTERM')
    await waitFor('the shutdown to begin', () => server.output().includes('SIGTERM received'))
    const refused = await new Promise<string>(resolve => {
      const socket = connect({ host: '127.0.0.1', port: Number(port) })
      socket.once('connect', () => {
        socket.destroy()
        resolve('connected')
      })
      socket.once('error', error => resolve((error as NodeJS.ErrnoException).code ?? 'error'))
    })
    const answered = await answer
    const exit = await server.exit
    stopped = true

    // then
    assert.equal(refused, 'ECONNREFUSED')
    assert.equal(answered.status, 200)
    assert.ok(answered.body.data.tokenCreate.token, 'the request in flight got its answer')
    assert.deepEqual(exit, { code: 0, signal: null })
    const lines = jsonLines(server.output())
    const clean = lines.findIndex(line => line.msg === 'server stopped cleanly')
    const served = lines.findIndex(line => line.msg === 'POST /api/graphql 200')
    assert.ok(clean > served && served >= 0, 'the request was answered before the server stopped')
    assert.ok(lines.some(line => line.msg === 'delivery workers stopped'))
    assert.doesNotMatch(server.output(), /failed \(SIGTERM\)/)
  } finally {
    if (!stopped) process.kill(server.pid, 'SIGKILL')
    await server.stop()
  }
})
