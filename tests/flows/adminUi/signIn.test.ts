// The Admin UI in a real Chromium: after `npm run seed` the superuser signs in and sees every
// list; support staff see only what MANAGE_USERS allows; a seeded customer is refused.
import '../../helpers/env'
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import os from 'node:os'
import path from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { browserSkipReason, launchChromium } from '../../helpers/browser'
import { ROOT, startServer, type TestServer } from '../../helpers/server'
import { PASSWORD, makeStaff } from '../../helpers/factories'

const ADMIN_EMAIL = 'owner@example.com'
const ADMIN_PASSWORD = 'owner password for the admin ui test'
const CUSTOMER_PASSWORD = 'demo-customer-password'
const skip = browserSkipReason()

let server: TestServer
let browser: Browser

before(async () => {
  if (skip) return
  // SQLite only: the Admin UI is built once, into the SQLite server's .keystone, and what it
  // shows does not depend on the database (the PostgreSQL suite covers the API it calls)
  server = await startServer({ ui: true, database: 'sqlite' })
  const seed = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/seed.ts', '--customers', '3'], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: server.databaseUrl, ADMIN_EMAIL, ADMIN_PASSWORD },
    encoding: 'utf8',
  })
  assert.equal(seed.status, 0, seed.stderr + seed.stdout)
  // playwright gives every launch a fresh, empty profile of its own
  browser = await launchChromium()
})

after(async () => {
  await browser?.close()
  await server?.stop()
})

async function signIn(email: string, password: string): Promise<Page> {
  const page = await fillSignIn(email, password)
  await page.getByRole('button', { name: /sign in/i }).click()
  return page
}

async function fillSignIn(email: string, password: string): Promise<Page> {
  // a context of its own per sign-in: no cookie carries over from another actor
  const page = await (await browser.newContext()).newPage()
  await page.goto(`${server.url}/`)
  await page.waitForURL(/\/signin/)
  // typing before React hydrates the form would be wiped by the hydration
  await page.waitForLoadState('networkidle')
  await page.getByRole('textbox', { name: 'Email' }).fill(email)
  await page.getByRole('textbox', { name: 'Password' }).fill(password)
  return page
}

async function navigationLinks(page: Page): Promise<string[]> {
  await page.getByRole('navigation').waitFor()
  return (await page.getByRole('navigation').getByRole('link').allInnerTexts()).map(text => text.trim())
}

test(
  'the seeded superuser signs in to the Admin UI, with the email in any case, and sees every list',
  { skip },
  async () => {
    // when
    const page = await signIn(ADMIN_EMAIL.toUpperCase(), ADMIN_PASSWORD)
    // then
    await page.waitForURL(url => !url.pathname.includes('signin'))
    const links = await navigationLinks(page)
    for (const list of ['Users', 'Addresses', 'Customer Groups', 'Permission Groups', 'Channels', 'Account Events'])
      assert.ok(links.includes(list), `${list} in ${links.join(', ')}`)
    // and the header names the shop (SHOP_NAME's default here), not Keystone
    await page.getByRole('link', { name: 'Commerce identity', exact: true }).waitFor()
    assert.doesNotMatch(await page.locator('header').first().innerText(), /Keystone/)
    await page.screenshot({ path: path.join(os.tmpdir(), 'identity-admin-dashboard.png') })
    await page.context().close()
  },
)

test('support staff see customers but not permission groups in the Admin UI', { skip }, async () => {
  // given
  const support = await makeStaff(server.context, ['MANAGE_USERS'])
  // when
  const page = await signIn(support.email, PASSWORD)
  // then
  await page.waitForURL(url => !url.pathname.includes('signin'))
  const links = await navigationLinks(page)
  assert.ok(links.includes('Users'))
  assert.ok(!links.includes('Permission Groups'))
  await page.context().close()
})

test(
  "support staff see a customer's addresses, defaults, groups, token status and history on its page, never a secret",
  { skip },
  async () => {
    // given
    const support = await makeStaff(server.context, ['MANAGE_USERS'])
    const customer = await server.context.prisma.user.findUniqueOrThrow({ where: { email: 'customer1@example.com' } })
    await server.context.prisma.accountEvent.create({
      data: { type: 'NOTE_ADDED', userId: customer.id, parameters: { message: 'called about a parcel' } },
    })
    // when
    const page = await signIn(support.email, PASSWORD)
    await page.waitForURL(url => !url.pathname.includes('signin'))
    await page.goto(`${server.url}/users/${customer.id}`)
    await page.getByText('customer1@example.com').first().waitFor()
    // the related tables load after the form: wait for the history row itself
    await page.getByText('called about a parcel').waitFor()
    await page.waitForLoadState('networkidle')
    await page.screenshot({ path: path.join(os.tmpdir(), 'identity-admin-customer.png'), fullPage: true })
    // then
    const text = await page.locator('main').innerText()
    for (const label of [
      'Addresses',
      'Default Shipping Address',
      'Default Billing Address',
      'Customer Groups',
      'Has a customer API token',
      'Events',
      'NOTE ADDED',
      'called about a parcel',
    ]) {
      assert.ok(text.includes(label), `${label} on the customer page:\n${text}`)
    }
    assert.doesNotMatch(await page.content(), /\$argon2|jwtTokenKey|customerTokenHash/)
    await page.context().close()
  },
)

test('a seeded customer is refused at the Admin UI sign-in', { skip }, async () => {
  // given
  const page = await fillSignIn('customer1@example.com', CUSTOMER_PASSWORD)
  // the refusal is read from the answer, the page, and where the browser stays
  const answered = page.waitForResponse(
    r => r.url().endsWith('/api/graphql') && r.request().postData()?.includes('KsAuthSignin') === true,
  )
  // when
  await page.getByRole('button', { name: /sign in/i }).click()
  // then
  const answer = await answered
  // the page reads the failure's message (a right password of staff with TOTP is answered MFA_REQUIRED):
  // a customer's right password reads as any other refusal
  assert.deepEqual((await answer.json()).data.authenticate, {
    __typename: 'UserAuthenticationWithPasswordFailure',
    message: 'Authentication failed.',
  })
  await page.getByText('Authentication failed.', { exact: false }).waitFor()
  assert.match(new URL(page.url()).pathname, /signin/)
  assert.deepEqual(
    (await page.context().cookies()).filter(c => c.name === 'keystonejs-session'),
    [],
  )
  const me = await page.evaluate(async () =>
    (
      await fetch('/api/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ me { id } }' }),
      })
    ).json(),
  )
  assert.equal(me.data.me, null)
  await page.context().close()
})
