// The sessions table on a user's page in the Admin UI, in a real Chromium: a support agent
// (MANAGE_USERS) reads the two sessions of a customer who signed in through tokenCreate from two
// devices, signs one out with "Sign out this session", and the API then refuses that session's
// token while the other still works; a session ended elsewhere meanwhile is answered with the
// mutation's own message and leaves "No active sessions"; and the agent's own page marks its Admin
// UI session "This session", which Keystone's "Sign out" ends. Screenshots go to
// os.tmpdir()/identity-admin-screens (sessions-*.png).
import '../../helpers/env'
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { Browser, Locator, Page } from 'playwright-core'
import { browserSkipReason, launchChromium, openAdminSignIn, submitSignIn } from '../../helpers/browser'
import { startServer, type TestServer } from '../../helpers/server'
import { PASSWORD, makeCustomer, makeStaff } from '../../helpers/factories'

const SCREENS = path.join(os.tmpdir(), 'identity-admin-screens')
// a phone's browser, which the table names in words (admin/views/sessionWords.ts)
const PHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1'
const LAPTOP = 'Firefox on the laptop (X11; Linux x86_64; rv:128.0)'
const skip = browserSkipReason()

let server: TestServer
let browser: Browser
let agentEmail: string
const consoleProblems: string[] = []

before(async () => {
  if (skip) return
  mkdirSync(SCREENS, { recursive: true })
  server = await startServer({ ui: true, database: 'sqlite' })
  const agent = await makeStaff(server.context, ['MANAGE_USERS'], { firstName: 'Sam', lastName: 'Support' })
  agentEmail = agent.email
  browser = await launchChromium()
})

after(async () => {
  await browser?.close()
  await server?.stop()
})

/** A sign-in through the API, from a device named by its User-Agent: its access token. */
async function tokenCreate(email: string, userAgent: string): Promise<string> {
  const { body } = await server.gql(
    `mutation ($email: String!, $password: String!) {
      tokenCreate(email: $email, password: $password) { token errors { code message } }
    }`,
    { email, password: PASSWORD },
    { headers: { 'user-agent': userAgent } },
  )
  assert.deepEqual(body.data?.tokenCreate?.errors, [], JSON.stringify(body))
  return body.data.tokenCreate.token as string
}

/** What `me` answers with a token: the email, or the refusal's code. */
async function meWith(token: string): Promise<string> {
  const { body } = await server.gql('{ me { email } }', {}, { token })
  return body.data?.me?.email ?? body.errors?.[0]?.extensions?.code ?? JSON.stringify(body)
}

async function signInAsAgent(email = agentEmail): Promise<Page> {
  const page = await openAdminSignIn(browser, server.url, consoleProblems)
  await page.setViewportSize({ width: 1280, height: 800 })
  await submitSignIn(page, email, PASSWORD)
  return page
}

// the names of the GraphQL operations the page sends from now on
function operationsSent(page: Page): string[] {
  const names: string[] = []
  page.on('request', request => {
    if (!request.url().includes('/api/graphql') || request.method() !== 'POST') return
    const body = (request.postDataJSON() ?? {}) as { query?: string }
    names.push(/^\s*(?:query|mutation)\s+(\w+)/.exec(body.query ?? '')?.[1] ?? 'anonymous')
  })
  return names
}

// whether the element lies within the window, as it is now scrolled
async function isInView(page: Page, locator: Locator): Promise<boolean> {
  const box = await locator.boundingBox()
  const viewport = page.viewportSize()!
  return box !== null && box.y >= 0 && box.y + box.height <= viewport.height
}

/** The sessions table of the open user's page, once shown. */
async function sessionsTable(page: Page): Promise<Locator> {
  const table = page.getByRole('table', { name: 'Sessions' })
  await table.waitFor()
  return table
}

const bodyRows = (table: Locator) => table.locator('tbody').getByRole('row')

test(
  "a support agent signs out one of a customer's two sessions: its token is refused, the other works",
  { skip },
  async () => {
    // given: a customer signed in from a phone and from a laptop
    const customer = await makeCustomer(server.context, { email: 'two.devices@example.com' })
    const phoneToken = await tokenCreate(customer.email, PHONE)
    const laptopToken = await tokenCreate(customer.email, LAPTOP)
    const page = await signInAsAgent()
    // when: the agent opens the customer's page
    await page.goto(`${server.url}/users/${customer.id}`)
    const table = await sessionsTable(page)
    await page.waitForLoadState('networkidle')
    await table.scrollIntoViewIfNeeded()
    await page.screenshot({ path: path.join(SCREENS, 'sessions-customer.png') })
    // then: both sessions, each with its device, IP, dates and how it signed in
    const headers = (await table.getByRole('columnheader').allInnerTexts()).map(text => text.trim()).filter(Boolean)
    assert.deepEqual(headers, ['Device', 'IP', 'Began', 'Last used', 'How'])
    assert.equal(await bodyRows(table).count(), 2)
    const phoneRow = bodyRows(table).filter({ hasText: 'iPhone' })
    const laptopRow = bodyRows(table).filter({ hasText: LAPTOP })
    assert.equal(await phoneRow.count(), 1)
    assert.equal(await laptopRow.count(), 1)
    // the phone's long user agent read as its browser and system, the whole of it under the pointer
    const phoneDevice = phoneRow.getByRole('rowheader')
    assert.equal((await phoneDevice.innerText()).trim(), 'Mobile Safari 17 on iOS 17.5, iPhone')
    assert.equal(await phoneDevice.getAttribute('title'), PHONE)
    const phoneText = await phoneRow.innerText()
    assert.match(phoneText, /127\.0\.0\.1|::1/)
    assert.match(phoneText, /\d{4}/)
    assert.match(phoneText, /Password/)
    assert.doesNotMatch(await table.innerText(), /This session/, "the customer's sessions are not the agent's")

    // when: the agent signs the phone out
    const sent = operationsSent(page)
    await phoneRow.getByRole('button', { name: /Sign out this session/ }).click()
    const dialog = page.getByRole('alertdialog')
    await dialog.getByRole('button', { name: 'Sign out this session' }).click()
    // then: it says so, and the list no longer holds the phone
    await page.getByText(/Signed out the session of Mobile Safari 17 on iOS 17\.5, iPhone/).waitFor()
    await phoneRow.waitFor({ state: 'detached' })
    await page.waitForLoadState('networkidle')
    await page.screenshot({ path: path.join(SCREENS, 'sessions-customer-signed-out.png') })
    assert.equal(await bodyRows(table).count(), 1)
    assert.equal(await laptopRow.count(), 1)
    // the page read the sessions once more and kept its place: no spinner over a refetched item, no
    // jump back to the top of the page, no query sent again
    assert.deepEqual(sent, ['SessionRevoke', 'SessionsOfUser'])
    assert.ok(await isInView(page, table), 'the table stays where the agent was reading')
    // and the API refuses the phone's token, while the laptop's still works
    assert.equal(await meWith(phoneToken), 'JWT_INVALID_TOKEN')
    assert.equal(await meWith(laptopToken), customer.email)
    await page.context().close()
  },
)

test("a session ended elsewhere meanwhile: the mutation's message, and then No active sessions", { skip }, async () => {
  // given: the agent has a customer's only session in front of it
  const customer = await makeCustomer(server.context, { email: 'one.device@example.com' })
  const token = await tokenCreate(customer.email, LAPTOP)
  const page = await signInAsAgent()
  await page.goto(`${server.url}/users/${customer.id}`)
  const table = await sessionsTable(page)
  await page.waitForLoadState('networkidle')
  assert.equal(await bodyRows(table).count(), 1)
  // when: the customer ends that session itself, and then the agent signs it out
  const { body } = await server.gql('{ me { sessions { id } } }', {}, { token })
  const sessionId = body.data.me.sessions[0].id as string
  const ended = await server.gql(
    'mutation ($id: ID!) { sessionRevoke(id: $id) { errors { code } } }',
    { id: sessionId },
    { token },
  )
  assert.deepEqual(ended.body.data.sessionRevoke.errors, [])
  await bodyRows(table)
    .getByRole('button', { name: /Sign out this session/ })
    .click()
  await page.getByRole('alertdialog').getByRole('button', { name: 'Sign out this session' }).click()
  // then: the mutation's own message, and the list as it is now
  await page.getByText(/Could not sign out this session \(.*\): Session not found\./).waitFor()
  await page.getByText('No active sessions').waitFor()
  await page.screenshot({ path: path.join(SCREENS, 'sessions-none.png') })
  assert.equal(await page.getByRole('table', { name: 'Sessions' }).count(), 0)
  await page.context().close()
})

test("the agent's own page marks its Admin UI session; Keystone's Sign out ends it", { skip }, async () => {
  // given: an agent signed in through the API, and in the Admin UI (no other sign-in)
  const agent = await makeStaff(server.context, ['MANAGE_USERS'], { firstName: 'Robin', lastName: 'Support' })
  const apiToken = await tokenCreate(agent.email, LAPTOP)
  const page = await signInAsAgent(agent.email)
  const browserAgent = await page.evaluate(() => navigator.userAgent)
  // when: it opens its own page
  await page.goto(`${server.url}/users/${agent.id}`)
  const table = await sessionsTable(page)
  await page.waitForLoadState('networkidle')
  await table.scrollIntoViewIfNeeded()
  await page.screenshot({ path: path.join(SCREENS, 'sessions-own.png') })
  // then: the Admin UI's session is "This session", with no button to end it here (Sign out does);
  // the API's session is another one it may end
  const current = bodyRows(table).filter({ has: page.getByText('This session', { exact: true }) })
  assert.equal(await bodyRows(table).count(), 2)
  assert.equal(await current.count(), 1)
  assert.equal(await current.getByRole('rowheader').getAttribute('title'), browserAgent)
  assert.equal(await current.getByRole('button').count(), 0)
  const other = bodyRows(table).filter({ hasText: LAPTOP })
  assert.doesNotMatch(await other.innerText(), /This session/)
  assert.equal(await other.getByRole('button', { name: /Sign out this session/ }).count(), 1)
  const listed = async () =>
    (await server.gql('{ me { sessions { userAgent current } } }', {}, { token: apiToken })).body.data.me.sessions as {
      userAgent: string
      current: boolean
    }[]
  assert.deepEqual(
    (await listed()).map(session => session.userAgent).sort(),
    [browserAgent, LAPTOP].sort(),
    'the API lists the Admin UI session too',
  )

  // when: the agent signs out of the Admin UI
  await page.getByRole('button', { name: 'Sign out', exact: true }).click()
  await page.waitForURL(/\/signin/)
  // then: a listing made through the other sign-in no longer holds it
  assert.deepEqual(await listed(), [{ userAgent: LAPTOP, current: true }])
  await page.context().close()
})

test('no error in the browser console, and no warning from our views', { skip }, () => {
  const ours = consoleProblems.filter(
    line => line.includes('[error]') || /User|admin\/views|[Ss]ession/.test(line.split(': ').slice(1).join(': ')),
  )
  assert.deepEqual(ours, [], consoleProblems.join('\n'))
})
