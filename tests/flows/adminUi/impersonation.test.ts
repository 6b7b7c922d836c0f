// "View storefront as this customer" on a customer's page in the Admin UI, in a real Chromium: a
// support agent with IMPERSONATE_USER presses it, gives a reason, and a new tab opens on
// STOREFRONT_URL (a small storefront on loopback here) with the customer's 15-minute token in the
// URL's fragment only: the storefront's server never sees it (no query, no path), and the token
// works on the API as the customer, naming the agent. Staff without IMPERSONATE_USER, and a staff
// member's page, are not offered it. Screenshots go to os.tmpdir()/identity-admin-screens.
import '../../helpers/env'
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import os from 'node:os'
import path from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { browserSkipReason, launchChromium, openAdminSignIn, submitSignIn } from '../../helpers/browser'
import { freePort, startServer, type TestServer } from '../../helpers/server'
import { PASSWORD, makeCustomer, makeStaff } from '../../helpers/factories'

const SCREENS = path.join(os.tmpdir(), 'identity-admin-screens')
const skip = browserSkipReason()
const ACTION = 'View storefront as this customer'

let server: TestServer
let browser: Browser
let storefront: Server
let storefrontUrl: string
// every request line the storefront's server received
const storefrontRequests: string[] = []
const consoleProblems: string[] = []

before(async () => {
  if (skip) return
  mkdirSync(SCREENS, { recursive: true })
  const port = await freePort()
  storefront = createServer((req, res) => {
    storefrontRequests.push(`${req.method} ${req.url}`)
    res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>Storefront</title><h1>Shop</h1>')
  })
  await new Promise<void>(resolve => storefront.listen(port, '127.0.0.1', resolve))
  storefrontUrl = `http://127.0.0.1:${port}/shop`
  server = await startServer({ ui: true, database: 'sqlite', env: { STOREFRONT_URL: storefrontUrl } })
  browser = await launchChromium()
})

after(async () => {
  await browser?.close()
  await server?.stop()
  await new Promise(resolve => (storefront ? storefront.close(resolve) : resolve(undefined)))
})

async function signIn(email: string): Promise<Page> {
  const page = await openAdminSignIn(browser, server.url, consoleProblems)
  await page.setViewportSize({ width: 1280, height: 800 })
  await submitSignIn(page, email, PASSWORD)
  return page
}

async function openUserPage(page: Page, id: string): Promise<void> {
  await page.goto(`${server.url}/users/${id}`)
  await page.getByRole('group', { name: 'Sessions' }).waitFor()
  await page.waitForLoadState('networkidle')
}

test(
  `${ACTION}: a new tab on the storefront with the token in the fragment only, working as the customer`,
  { skip },
  async () => {
    // given
    const agent = await makeStaff(server.context, ['MANAGE_USERS', 'IMPERSONATE_USER'])
    const customer = await makeCustomer(server.context)
    const page = await signIn(agent.email)
    await openUserPage(page, customer.id)

    await page.screenshot({ path: path.join(SCREENS, 'impersonation-debug.png'), fullPage: true })
    // when: the agent presses the action, gives a reason and opens the storefront
    await page.getByRole('button', { name: ACTION }).click()
    await page.getByRole('textbox', { name: 'Reason' }).fill('Ticket 4711: the basket empties itself')
    await page.screenshot({ path: path.join(SCREENS, 'impersonation-reason.png') })
    const opened = page.context().waitForEvent('page')
    await page.getByRole('button', { name: 'Open storefront' }).click()
    const tab = await opened
    await tab.waitForURL(url => url.href.startsWith(storefrontUrl))
    await tab.waitForLoadState('load')

    // then: the token is in the fragment, never the query, and the storefront's server never saw it
    const url = new URL(tab.url())
    assert.equal(`${url.origin}${url.pathname}`, storefrontUrl)
    assert.equal(url.search, '')
    const token = new URLSearchParams(url.hash.slice(1)).get('token')
    assert.ok(token, url.href)
    // (the browser may ask for /favicon.ico too, whenever it likes)
    assert.deepEqual(
      storefrontRequests.filter(line => line !== 'GET /favicon.ico'),
      ['GET /shop'],
    )
    assert.deepEqual(
      storefrontRequests.filter(line => line.includes(token) || /token|eyJ/.test(line)),
      [],
    )
    assert.equal(await tab.evaluate(() => window.opener), null, 'the tab holds no handle on the Admin UI')
    // the token works as the customer, naming the agent
    const me = await server.gql('{ me { id impersonatedBy { id } } }', {}, { token })
    assert.deepEqual(me.body.data.me, { id: customer.id, impersonatedBy: { id: agent.id } })
    // and the customer's history says who and why
    const started = await server.context.prisma.accountEvent.findFirstOrThrow({
      where: { userId: customer.id, type: 'IMPERSONATION_STARTED' },
    })
    assert.equal(started.actorId, agent.id)
    assert.equal((started.parameters as { reason: string }).reason, 'Ticket 4711: the basket empties itself')
    await page.getByText(/The storefront opened in a new tab/).waitFor()
    await page.screenshot({ path: path.join(SCREENS, 'impersonation-opened.png') })
    await page.context().close()
  },
)

test(`${ACTION} is offered only to IMPERSONATE_USER, and never on a staff member's page`, { skip }, async () => {
  // given
  const agent = await makeStaff(server.context, ['MANAGE_USERS', 'MANAGE_STAFF', 'IMPERSONATE_USER'])
  const plain = await makeStaff(server.context, ['MANAGE_USERS'])
  const customer = await makeCustomer(server.context)
  const colleague = await makeStaff(server.context, [])

  // when
  const agentPage = await signIn(agent.email)
  await openUserPage(agentPage, colleague.id)
  const onStaff = await agentPage.getByRole('button', { name: ACTION }).count()
  const plainPage = await signIn(plain.email)
  await openUserPage(plainPage, customer.id)
  const withoutPermission = await plainPage.getByRole('button', { name: ACTION }).count()

  // then
  assert.equal(onStaff, 0)
  assert.equal(withoutPermission, 0)
  await agentPage.context().close()
  await plainPage.context().close()
})

test('no error in the browser console, and no warning from our views', { skip }, () => {
  const ours = consoleProblems.filter(
    line => line.includes('[error]') || /User|admin\/views|[Ii]mpersonat/.test(line.split(': ').slice(1).join(': ')),
  )
  assert.deepEqual(ours, [], consoleProblems.join('\n'))
})
