// A quiet console through a support agent's day in a real Chromium: sign in, the dashboard, the
// users list, a customer's page where one of its sessions is signed out, an address whose field is
// saved, sign out, then the public confirm page a customer opens. Every browser console line and
// every server log line written meanwhile is counted; the story fails on any console error, on any
// console or server warning that repeats, and on a query the Admin UI sends twice in one page view
// with nothing changed in between: the refetching Apollo reports in development as "stopped
// refetching … incomplete cache result" (a production build drops the warning but still sends the
// requests).
import '../../helpers/env'
import { createHash } from 'node:crypto'
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import type { Browser, Page, Request } from 'playwright-core'
import { browserSkipReason, launchChromium, openAdminSignIn, submitSignIn } from '../../helpers/browser'
import { startServer, type TestServer } from '../../helpers/server'
import { tokenFor } from '../../helpers/actors'
import { makeAddress, makeCustomer, makeStaff, PASSWORD } from '../../helpers/factories'

const skip = browserSkipReason()

let server: TestServer
let browser: Browser

before(async () => {
  if (skip) return
  server = await startServer({ ui: true, database: 'sqlite' })
  browser = await launchChromium()
})

after(async () => {
  await browser?.close()
  await server?.stop()
})

function hash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 8)
}

// answered: whether the same request (view, operation, variables) had been answered when this one was sent
type Sent = { view: string; operation: string; variables: string; mutation: boolean; answeredBefore: boolean }

// what the Admin UI's Apollo client sent: the operation's name and variables
function graphqlRequest(request: Request, view: string): Sent | undefined {
  if (!request.url().includes('/api/graphql') || request.method() !== 'POST') return undefined
  const body = (request.postDataJSON() ?? {}) as { operationName?: string; query?: string; variables?: unknown }
  const query = body.query ?? ''
  return {
    view,
    operation: body.operationName ?? query.replace(/\s+/g, ' ').slice(0, 80),
    // the whole document: Keystone names every relationship field's options query RelationshipSelect
    variables: `${JSON.stringify(body.variables ?? {})} ${query.length}:${hash(query)}`,
    mutation: /^\s*mutation\b/.test(query),
    answeredBefore: false,
  }
}

const keyOf = (request: Sent) => `${request.view}: ${request.operation} ${request.variables}`

/**
 * The queries sent again, within one page view and with no mutation between, after the same query
 * had been answered: a refetch. (Two fields that ask the same at once, as two relationship fields
 * of one list do, are not one.)
 */
function refetchedQueries(sent: Sent[]): string[] {
  const repeated: string[] = []
  let view = ''
  let seen = new Set<string>()
  for (const request of sent) {
    // a new page view, or a change made in this one, may read anything again
    if (request.view !== view || request.mutation) {
      view = request.view
      seen = new Set()
    }
    if (request.mutation) continue
    if (seen.has(keyOf(request)) && request.answeredBefore) repeated.push(keyOf(request))
    seen.add(keyOf(request))
  }
  return repeated
}

/** The lines of `lines` that occur more than once, with their count. */
function repeatedLines(lines: string[]): string[] {
  const counts = new Map<string, number>()
  for (const line of lines) counts.set(line, (counts.get(line) ?? 0) + 1)
  return [...counts].filter(([, count]) => count > 1).map(([line, count]) => `${count}× ${line}`)
}

test('a support agent clicks through the Admin UI and the console stays quiet', { skip }, async t => {
  // given: a support agent, and a customer with an address
  const agent = await makeStaff(server.context, ['MANAGE_USERS'], { email: 'agent@example.com' })
  const customer = await makeCustomer(server.context, { email: 'quiet.customer@example.com', firstName: 'Quinn' })
  const address = await makeAddress(server.context, customer.id, { streetAddress1: '1 Old Street' })
  // signed in once: a session on the customer's page
  await tokenFor(server.context, customer.id)
  const consoleLines: string[] = []
  const sent: Sent[] = []
  const answered = new Set<string>()
  // a page view: each document the browser navigates to (the Admin UI's pages are loaded one by one here)
  let view = 'signin'
  let navigations = 0
  const serverLinesBefore = server.output().split('\n').length
  const watch = (page: Page) => {
    page.on('console', message => consoleLines.push(`[${message.type()}] ${message.text()}`))
    page.on('pageerror', error => consoleLines.push(`[pageerror] ${error.message}`))
    page.on('framenavigated', frame => {
      if (frame === page.mainFrame()) navigations++
    })
    const requests = new Map<Request, Sent>()
    page.on('request', request => {
      const graphql = graphqlRequest(request, `${view} #${navigations} ${new URL(page.url()).pathname}`)
      if (!graphql) return
      graphql.answeredBefore = answered.has(keyOf(graphql))
      requests.set(request, graphql)
      sent.push(graphql)
    })
    page.on('requestfinished', request => {
      const graphql = requests.get(request)
      if (graphql) answered.add(keyOf(graphql))
    })
  }
  async function visit(page: Page, name: string, pathname: string, ready: () => Promise<unknown>) {
    view = name
    await page.goto(`${server.url}${pathname}`)
    await ready()
    await page.waitForLoadState('networkidle')
  }

  // when: the agent's story
  const page = await openAdminSignIn(browser, server.url, [])
  watch(page)
  await submitSignIn(page, agent.email, PASSWORD)
  await page.waitForLoadState('networkidle')
  await visit(page, 'dashboard', '/', () => page.getByRole('heading', { name: 'Dashboard' }).waitFor())
  await visit(page, 'users list', '/users', () => page.getByText(customer.email).first().waitFor())
  await visit(page, "customer's page", `/users/${customer.id}`, () => page.getByText(customer.email).first().waitFor())
  await page.getByRole('button', { name: /Sign out this session/ }).click()
  await page.getByRole('alertdialog').getByRole('button', { name: 'Sign out this session' }).click()
  await page.getByText('No active sessions').waitFor()
  await page.waitForLoadState('networkidle')
  await visit(page, 'address', `/addresses/${address.id}`, () =>
    page
      .getByRole('textbox', { name: /street/i })
      .first()
      .waitFor(),
  )
  const saved = page.waitForResponse(
    response => response.url().includes('/api/graphql') && /updateAddress/.test(response.request().postData() ?? ''),
  )
  await page
    .getByRole('textbox', { name: /street/i })
    .first()
    .fill('2 New Street')
  await page.getByRole('button', { name: 'Save', exact: true }).click()
  await saved
  await page.waitForLoadState('networkidle')
  assert.equal(
    (await server.context.prisma.address.findUniqueOrThrow({ where: { id: address.id } })).streetAddress1,
    '2 New Street',
  )
  view = 'sign out'
  await page.getByRole('button', { name: /sign out/i }).click()
  await page.waitForURL(/\/signin/)
  await page.waitForLoadState('networkidle')
  await visit(page, 'public confirm page', '/confirm-account?email=quiet.customer%40example.com&token=unknown', () =>
    page.getByRole('button', { name: 'Confirm my account' }).waitFor(),
  )
  await page.getByRole('button', { name: 'Confirm my account' }).click()
  await page.getByText('This link is no longer valid').waitFor()
  await page.waitForLoadState('networkidle')
  await page.context().close()

  // then
  const serverLines = server
    .output()
    .split('\n')
    .slice(serverLinesBefore - 1)
    .filter(line => line.trim())
  t.diagnostic(`browser console lines: ${consoleLines.length}; server log lines: ${serverLines.length}`)
  t.diagnostic(`GraphQL requests: ${sent.length}`)
  for (const line of consoleLines) t.diagnostic(line.slice(0, 300))
  // no server warning twice (production logs JSON lines; a line that is not one is compared whole)
  const serverWarnings = serverLines
    .map(line => {
      try {
        const entry = JSON.parse(line) as { level?: number; msg?: string }
        return (entry.level ?? 0) >= 40 ? `${entry.level} ${entry.msg}` : undefined
      } catch {
        return line
      }
    })
    .filter((line): line is string => line !== undefined)
  // every kind of noise at once, so that a failure shows all of it
  assert.deepEqual(
    {
      consoleErrors: consoleLines.filter(line => /^\[(error|pageerror)\]/.test(line)),
      repeatedConsoleLines: repeatedLines(consoleLines),
      repeatedServerWarnings: repeatedLines(serverWarnings),
      // no query read again in one page view after its answer, with nothing changed between
      refetchedQueries: refetchedQueries(sent),
    },
    { consoleErrors: [], repeatedConsoleLines: [], repeatedServerWarnings: [], refetchedQueries: [] },
  )
})
