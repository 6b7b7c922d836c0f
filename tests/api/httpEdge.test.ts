// The HTTP edge (server/http.ts): security headers on every answer, probes that need no session,
// and a malformed body answered and logged without the body.
import '../helpers/env'
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { connect } from 'node:net'
import { startServer, type TestServer } from '../helpers/server'

let server: TestServer

before(async () => {
  server = await startServer()
})
after(async () => {
  await server?.stop()
})

test('answers carry security headers and no X-Powered-By', async () => {
  for (const response of [
    await fetch(`${server.url}/healthz`),
    await fetch(`${server.url}/api/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename }' }),
    }),
  ]) {
    const csp = response.headers.get('content-security-policy') ?? ''
    assert.match(csp, /frame-ancestors 'none'/)
    assert.match(csp, /object-src 'none'/)
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff')
    assert.equal(response.headers.get('referrer-policy'), 'no-referrer')
    assert.equal(response.headers.get('x-frame-options'), 'SAMEORIGIN')
    assert.equal(response.headers.get('x-powered-by'), null)
  }
})

test('/healthz and /readyz answer without a session', async () => {
  const health = await fetch(`${server.url}/healthz`, { redirect: 'manual' })
  const ready = await fetch(`${server.url}/readyz`, { redirect: 'manual' })
  assert.equal(health.status, 200)
  assert.deepEqual(await health.json(), { status: 'ok' })
  assert.equal(ready.status, 200)
  assert.deepEqual(await ready.json(), { status: 'ok', database: 'up' })
})

test('a malformed JSON body is refused with a code and its password never reaches the log', async () => {
  // given: a trailing comma after a sign-in with a password
  const body =
    '{"query":"mutation { tokenCreate(email: \\"probe@example.com\\", password: \\"Sup3r-Secret-Probe-Pass\\") { token } }",}'
  // when
  const response = await fetch(`${server.url}/api/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  })
  // then
  assert.equal(response.status, 400)
  const answer = (await response.json()) as { errors: { message: string; extensions: { code: string } }[] }
  assert.equal(answer.errors[0]!.extensions.code, 'BAD_REQUEST')
  await new Promise(resolve => setTimeout(resolve, 200))
  assert.doesNotMatch(server.output(), /Sup3r-Secret-Probe-Pass/)
  const refused = server
    .output()
    .split('\n')
    .filter(line => line.includes('"msg":"request body refused"'))
    .map(line => JSON.parse(line))
  assert.equal(refused.length, 1)
  assert.equal(refused[0].status, 400)
  assert.equal(refused[0].type, 'entity.parse.failed')
  assert.equal(refused[0].requestId, response.headers.get('x-request-id'))
})

test("a request Node's own parser refuses is answered as JSON with a code, quoting nothing it was sent", async () => {
  // given: a request line no HTTP parser takes, carrying a secret
  const { port, hostname } = new URL(server.url)
  const socket = connect(Number(port), hostname)
  const chunks: Buffer[] = []
  socket.on('data', chunk => chunks.push(chunk))
  // when
  socket.write('GET /api/graphql?password=Sup3r-Secret HTTP/1.1\r\nHost: x\r\nBad Header Line\r\n\r\n')
  await new Promise(resolve => socket.on('close', resolve))
  // then
  const answer = Buffer.concat(chunks).toString('utf8')
  assert.match(answer, /^HTTP\/1\.1 400 Bad Request\r\n/)
  assert.match(answer, /Content-Type: application\/json/i)
  const body = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as {
    errors: { extensions: { code: string } }[]
  }
  assert.equal(body.errors[0]!.extensions.code, 'BAD_REQUEST')
  await new Promise(resolve => setTimeout(resolve, 200))
  assert.doesNotMatch(server.output(), /Sup3r-Secret/)
  assert.match(server.output(), /request refused by the HTTP parser/)
})

test('an oversized body is refused before it is parsed', async () => {
  const response = await fetch(`${server.url}/api/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: `{ __typename }`, padding: 'x'.repeat(5 * 1024 * 1024) }),
  })
  assert.equal(response.status, 413)
})

test('/fonts serves the typeface and nothing else: an unknown file is a JSON 404, a write a 405, a range past the end a 416', async () => {
  // given the stylesheet and one font file it names
  const stylesheet = await fetch(`${server.url}/fonts/inter.css`)
  assert.equal(stylesheet.status, 200)
  const css = await stylesheet.text()
  const file = /url\((\/fonts\/files\/[^)]+\.woff2)\)/.exec(css)?.[1]
  assert.ok(file, css.slice(0, 200))
  assert.equal((await fetch(`${server.url}${file}`)).status, 200)
  // when / then
  const answers = [
    [await fetch(`${server.url}/fonts/files/LICENSE`, { redirect: 'manual' }), 404, 'NOT_FOUND'],
    [await fetch(`${server.url}/fonts/package.json`, { redirect: 'manual' }), 404, 'NOT_FOUND'],
    [await fetch(`${server.url}/fonts/files/..%2f..%2fpackage.json`, { redirect: 'manual' }), 404, 'NOT_FOUND'],
    [await fetch(`${server.url}${file}`, { method: 'POST', redirect: 'manual' }), 405, 'METHOD_NOT_ALLOWED'],
    [await fetch(`${server.url}${file}`, { headers: { range: 'bytes=99999999-' } }), 416, 'RANGE_NOT_SATISFIABLE'],
  ] as const
  for (const [response, status, code] of answers) {
    assert.equal(response.status, status, `${response.url}: ${response.status}`)
    assert.match(response.headers.get('content-type') ?? '', /application\/json/)
    const body = (await response.json()) as { errors: { extensions: { code: string } }[] }
    assert.equal(body.errors[0]?.extensions.code, code)
  }
})
