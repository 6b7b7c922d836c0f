// The user page and the users list as a support agent reads them in a real Chromium at 1280×800:
// a customer who registered with a first and last name and has two addresses. The status (active,
// confirmed, customer or staff, joined, last sign-in) shows without scrolling, read-only values read
// as text (no text box holding `true` or `[]`, no date picker for a date nobody edits), the full
// name is filled, every address column's header and the street are whole, and the list shows the
// email, the name, confirmation, staff and the join date without cutting the email. Screenshots go
// to os.tmpdir()/identity-admin-screens (support-*.png).
import '../../helpers/env'
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { Browser, Locator, Page } from 'playwright-core'
import { browserSkipReason, launchChromium, openAdminSignIn, submitSignIn } from '../../helpers/browser'
import { startServer, type TestServer } from '../../helpers/server'
import { PASSWORD, makeAddress, makeCustomer, makeStaff } from '../../helpers/factories'

const SCREENS = path.join(os.tmpdir(), 'identity-admin-screens')
const VIEWPORT = { width: 1280, height: 800 }
// long enough to be cut by a column that leaves it too little room
const CUSTOMER_EMAIL = 'anna.nowak.customer1@example.com'
const skip = browserSkipReason()

let server: TestServer
let browser: Browser
let customerId: string
let agentEmail: string
const consoleProblems: string[] = []

before(async () => {
  if (skip) return
  mkdirSync(SCREENS, { recursive: true })
  server = await startServer({ ui: true, database: 'sqlite' })
  const agent = await makeStaff(server.context, ['MANAGE_USERS'], { firstName: 'Sam', lastName: 'Support' })
  agentEmail = agent.email
  // registered with a first and last name only, as accountRegister stores them
  const customer = await makeCustomer(server.context, {
    email: CUSTOMER_EMAIL,
    firstName: 'Anna',
    lastName: 'Nowak',
    phone: '+48225555555',
  })
  customerId = String(customer.id)
  const home = await makeAddress(server.context, customerId, {
    firstName: 'Anna',
    lastName: 'Nowak',
    streetAddress1: 'ul. Marszałkowska 140',
    postalCode: '00-950',
    city: 'Warszawa',
    countryArea: '',
    country: 'PL',
    phone: '+48225555555',
  })
  await makeAddress(server.context, customerId, {
    firstName: 'Anna',
    lastName: 'Nowak',
    companyName: 'Nowak Consulting',
    streetAddress1: 'Aleje Jerozolimskie 123A',
    postalCode: '02-017',
    city: 'Warszawa',
    countryArea: '',
    country: 'PL',
  })
  await server.context.prisma.user.update({
    where: { id: customerId },
    data: { lastLogin: new Date(), defaultShippingAddressId: String(home.id) },
  })
  browser = await launchChromium()
})

after(async () => {
  await browser?.close()
  await server?.stop()
})

async function signInAsAgent(): Promise<Page> {
  const page = await openAdminSignIn(browser, server.url, consoleProblems)
  await page.setViewportSize(VIEWPORT)
  await submitSignIn(page, agentEmail, PASSWORD)
  return page
}

// the first screen as the agent sees it, and the whole page (the Admin UI scrolls inside its own
// containers, so the window is made as tall as the tallest of them for that one)
async function screen(page: Page, name: string): Promise<string> {
  const file = path.join(SCREENS, `${name}.png`)
  await page.screenshot({ path: file })
  const height = await page.evaluate(() =>
    Math.max(...Array.from(document.querySelectorAll('*'), element => element.scrollHeight)),
  )
  await page.setViewportSize({ width: VIEWPORT.width, height: Math.min(height + 100, 8000) })
  await page.screenshot({ path: path.join(SCREENS, `${name}-full.png`) })
  await page.setViewportSize(VIEWPORT)
  return file
}

// whether the element shows all of its text: neither it nor anything inside it is cut (an ellipsis,
// a clipped overflow); one pixel of rounding allowed
function isWhole(locator: Locator): Promise<boolean> {
  return locator.evaluate(root => {
    for (const element of [root, ...Array.from(root.querySelectorAll('*'))]) {
      if (!(element instanceof HTMLElement) || !element.textContent?.trim()) continue
      if (element.scrollWidth > element.clientWidth + 1 && getComputedStyle(element).overflowX !== 'visible')
        return false
      if (element.scrollHeight > element.clientHeight + 1 && getComputedStyle(element).overflowY === 'hidden')
        return false
    }
    return true
  })
}

// whether the element lies within the first screen, without scrolling
async function isAboveTheFold(page: Page, locator: Locator): Promise<boolean> {
  const box = await locator.boundingBox()
  const scrolled = await page.evaluate(() => window.scrollY)
  return box !== null && scrolled === 0 && box.y >= 0 && box.y + box.height <= VIEWPORT.height
}

test("a support agent reads a customer's status, names and addresses at a glance", { skip }, async () => {
  // given
  const page = await signInAsAgent()
  // when
  await page.goto(`${server.url}/users/${customerId}`)
  await page.waitForLoadState('networkidle')
  await page.getByText('Sign-in and security').first().waitFor()
  const file = await screen(page, 'support-user-page')
  console.log(`screenshot: ${file}`)
  // then: the status, above the fold
  for (const status of ['Active', 'Email confirmed', 'Customer', 'Joined', 'Last sign-in']) {
    const shown = page.getByText(status, { exact: true }).first()
    assert.ok(await isAboveTheFold(page, shown), `${status} shows without scrolling`)
  }
  // read-only values are text, not text boxes holding a flag, a list, a map or a date (the item's
  // id stays in Keystone's box beside its copy button)
  const readOnlyBoxes = await page
    .locator('input:read-only, textarea:read-only')
    .evaluateAll(inputs => inputs.map(input => (input as HTMLInputElement).value.trim()))
  for (const value of readOnlyBoxes)
    assert.doesNotMatch(value, /^(true|false|\[.*\]|\{.*\}|\d{4}-\d\d-\d\d.*|yyyy-mm-dd.*)$/s, 'a read-only text box')
  const joined = page.getByRole('group', { name: 'Joined' })
  assert.equal(await joined.getByRole('button').count(), 0, 'no calendar button beside the join date')
  assert.match(await joined.innerText(), /\d{4}/)
  // the full name is filled beside the first and last name
  assert.equal(await page.getByRole('textbox', { name: 'Full name' }).inputValue(), 'Anna Nowak')
  // the addresses: each a readable line, every column header whole, the default named by its line
  assert.equal(
    await page.getByRole('combobox', { name: 'Default Shipping Address' }).inputValue(),
    'ul. Marszałkowska 140, 00-950 WARSZAWA, PL',
  )
  const addresses = page.getByRole('grid').filter({ hasText: 'Marszałkowska' })
  await addresses.waitFor()
  const headers = addresses.getByRole('columnheader')
  assert.ok((await headers.count()) >= 1)
  for (const header of await headers.all())
    assert.ok(await isWhole(header), `header ${await header.innerText()} is whole`)
  const street = addresses.getByRole('rowheader').or(addresses.getByRole('gridcell')).filter({
    // the city as stored, upper-cased as the Polish post writes it (Google's address data, as Saleor)
    hasText: 'ul. Marszałkowska 140, 00-950 WARSZAWA, PL',
  })
  assert.equal(await street.count(), 1)
  assert.ok(await isWhole(street), 'the address line is whole')
  await page.context().close()
})

test(
  'the users list shows email, name, confirmation, staff and join date without cutting the email',
  { skip },
  async () => {
    // given
    const page = await signInAsAgent()
    // when
    await page.goto(`${server.url}/users`)
    await page.waitForLoadState('networkidle')
    const row = page.getByRole('row').filter({ hasText: CUSTOMER_EMAIL })
    await row.waitFor()
    const file = await screen(page, 'support-users-list')
    console.log(`screenshot: ${file}`)
    // then
    const headers = page.getByRole('columnheader')
    const labels = (await headers.allInnerTexts()).map(text => text.trim()).filter(Boolean)
    assert.deepEqual(labels, ['Email', 'Full name', 'Confirmed', 'Staff', 'Joined'])
    for (const header of await headers.all())
      assert.ok(await isWhole(header), `header ${await header.innerText()} is whole`)
    const email = row.getByRole('rowheader').or(row.getByRole('gridcell')).filter({ hasText: CUSTOMER_EMAIL })
    assert.ok(await isWhole(email), 'the email is whole')
    const name = row.getByRole('rowheader').or(row.getByRole('gridcell')).filter({ hasText: 'Anna Nowak' })
    assert.ok(await isWhole(name), 'the name is whole')
    assert.match(await row.innerText(), /Yes[\s\S]*No[\s\S]*\d{4}/)
    await page.context().close()
  },
)

test("the addresses list and an address's own page name each address by its line", { skip }, async () => {
  // given
  const page = await signInAsAgent()
  // when
  await page.goto(`${server.url}/addresses`)
  await page.waitForLoadState('networkidle')
  const row = page.getByRole('row').filter({ hasText: 'Aleje Jerozolimskie 123A' })
  await row.waitFor()
  await screen(page, 'support-addresses-list')
  // then
  const line = row.getByRole('rowheader').or(row.getByRole('gridcell')).filter({ hasText: '02-017 WARSZAWA, PL' })
  assert.equal(await line.count(), 1)
  assert.ok(await isWhole(line), 'the address line is whole')
  for (const header of await page.getByRole('columnheader').all())
    assert.ok(await isWhole(header), `header ${await header.innerText()} is whole`)
  // and its page is headed by the same line
  await row.click()
  await page.waitForURL(/\/addresses\/[^/]+$/)
  await page
    .getByRole('heading', { name: /Aleje Jerozolimskie 123A, 02-017 WARSZAWA, PL/ })
    .first()
    .waitFor()
  await page.getByRole('textbox', { name: 'Street Address1' }).waitFor()
  await page.waitForLoadState('networkidle')
  await screen(page, 'support-address-page')
  await page.context().close()
})

test('no warning or error in the browser console comes from our lists or views', { skip }, () => {
  const ours = consoleProblems.filter(line => /User|Address|admin\/views/.test(line.split(': ').slice(1).join(': ')))
  assert.deepEqual(ours, [], consoleProblems.join('\n'))
})
