// The Admin UI's sign-in page in a real Chromium, as an operator's log sees it: Keystone's Admin UI
// asks for its metadata on every page, the sign-in page included, and is refused while signed out.
// That refusal is expected: at the production log level (info) no page view logs KS_ACCESS_DENIED.
import '../../helpers/env'
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import type { Browser } from 'playwright-core'
import { browserSkipReason, launchChromium, openAdminSignIn } from '../../helpers/browser'
import { startServer, type TestServer } from '../../helpers/server'
import { atLeast, logLinesOf } from '../../helpers/logLines'

const skip = browserSkipReason()

let server: TestServer
let browser: Browser

before(async () => {
  if (skip) return
  // SQLite only: the Admin UI is built into the SQLite server's .keystone
  server = await startServer({ ui: true, database: 'sqlite' })
  browser = await launchChromium()
})

after(async () => {
  await browser?.close()
  await server?.stop()
})

test('a view of the sign-in page logs no access refusal at info or above', { skip }, async () => {
  // given
  const offset = server.output().length
  const refusedAnswers: string[] = []
  const problems: string[] = []
  // when
  const page = await openAdminSignIn(browser, server.url, problems)
  // each answer's body is read after the response event: wait for every read, not only for the network
  const reads: Promise<void>[] = []
  page.on('response', response => {
    if (!response.url().endsWith('/api/graphql')) return
    reads.push(
      response
        .text()
        .catch(() => '')
        .then(body => {
          if (body.includes('KS_ACCESS_DENIED')) refusedAnswers.push(response.request().postData() ?? '')
        }),
    )
  })
  // the metadata request itself is awaited: on a loaded machine the page may go quiet for longer
  // than networkidle's half second before its script asks
  const metadata = page.waitForResponse(
    response =>
      response.url().endsWith('/api/graphql') && (response.request().postData() ?? '').includes('KsFetchAdminMeta'),
    { timeout: 60_000 },
  )
  await page.reload()
  await metadata
  await page.waitForLoadState('networkidle')
  await Promise.all(reads)
  // then: the page did ask for what it is refused (so the log had something to say)
  assert.ok(
    refusedAnswers.some(request => request.includes('KsFetchAdminMeta')),
    `the Admin UI asked for its metadata and was refused: ${refusedAnswers.length} refusals`,
  )
  await page.context().close()
  // a line reaches the pipe a moment after its answer
  await new Promise(resolve => setTimeout(resolve, 500))
  const loud = logLinesOf(server.output().slice(offset)).filter(
    line => atLeast(line, 'info') && /KS_ACCESS_DENIED|access denied/i.test(JSON.stringify(line)),
  )
  assert.deepEqual(loud, [])
})

test(
  'an Admin UI page asked with a foreign or stale Bearer token reads as signed out: no error page, no error line',
  { skip },
  async () => {
    // given a header a proxy or an old storefront tab might send to the Admin UI's pages
    const offset = server.output().length
    for (const path of ['/signin', '/reset-password', '/confirm-account', '/']) {
      // when
      const response = await fetch(`${server.url}${path}`, {
        headers: { authorization: 'Bearer abc', accept: 'text/html' },
        redirect: 'manual',
      })
      await response.arrayBuffer()
      // then: the page (or its redirect to the sign-in page), as without the header
      assert.ok(
        response.status === 200 || response.status === 302 || response.status === 307,
        `${path}: ${response.status}`,
      )
    }
    // and the API still answers the same header with its code
    const api = await server.gql('{ me { id } }', {}, { headers: { authorization: 'Bearer abc' } })
    assert.equal(api.body.errors?.[0]?.extensions?.code, 'JWT_DECODE_ERROR')
    await new Promise(resolve => setTimeout(resolve, 500))
    const errors = logLinesOf(server.output().slice(offset)).filter(line => atLeast(line, 'error'))
    assert.deepEqual(errors, [])
  },
)
