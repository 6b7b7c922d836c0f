// The webhook pages of the Admin UI in a real Chromium, for a superuser and for staff with
// MANAGE_APPS alone: the superuser reads every delivery and edits every webhook; MANAGE_APPS alone
// sees the webhooks others made, read-only when they carry people it may not read, and none of
// their deliveries, neither in the list, nor by address, nor in a webhook's count. Each page is
// written to os.tmpdir()/identity-admin-screens.
import '../../helpers/env'
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { browserSkipReason, launchChromium, openAdminSignIn, submitSignIn } from '../../helpers/browser'
import { startServer, type TestServer } from '../../helpers/server'
import { PASSWORD, makeStaff, makeSuperuser, makeWebhook } from '../../helpers/factories'

const SCREENS = path.join(os.tmpdir(), 'identity-admin-screens')
const VICTIM = 'victim.customer@example.com'
const VICTIM_STAFF = 'victim.staff@example.com'
const skip = browserSkipReason()

let server: TestServer
let browser: Browser
let superuserEmail: string
let appsEmail: string
let hooks: { customers: string; empty: string }
let deliveries: { customer: string; staff: string }
const consoleProblems: string[] = []

before(async () => {
  if (skip) return
  mkdirSync(SCREENS, { recursive: true })
  server = await startServer({ ui: true, database: 'sqlite' })
  const context = server.context
  superuserEmail = (await makeSuperuser(context)).email
  appsEmail = (await makeStaff(context, ['MANAGE_APPS'])).email
  const made = async (name: string, events: string[]) =>
    String((await makeWebhook(context, { name, targetUrl: 'https://93.184.216.34/hook', events })).id)
  hooks = { customers: await made('Customer CRM', ['CUSTOMER_CREATED']), empty: await made('Ping', []) }
  const staffHook = await made('Staff directory', ['STAFF_CREATED'])
  const delivery = async (webhookId: string, event: string, email: string) =>
    (
      await context.prisma.webhookDelivery.create({
        data: { webhookId, event, status: 'failed', payload: JSON.stringify({ event, data: { user: { email } } }) },
      })
    ).id
  deliveries = {
    customer: await delivery(hooks.customers, 'CUSTOMER_CREATED', VICTIM),
    staff: await delivery(staffHook, 'STAFF_CREATED', VICTIM_STAFF),
  }
  browser = await launchChromium()
})

after(async () => {
  await browser?.close()
  await server?.stop()
})

async function screen(page: Page, name: string): Promise<void> {
  await page.waitForLoadState('networkidle')
  await page.screenshot({ path: path.join(SCREENS, `${name}.png`), fullPage: true })
}

async function signIn(email: string): Promise<Page> {
  const page = await openAdminSignIn(browser, server.url, consoleProblems)
  await submitSignIn(page, email, PASSWORD)
  return page
}

test('the superuser reads every delivery with its payload and edits a customer webhook', { skip }, async () => {
  const page = await signIn(superuserEmail)

  await page.goto(`${server.url}/webhook-deliveries`)
  // the Admin UI labels an event as words: STAFF_CREATED is "STAFF CREATED"
  await page.getByText('STAFF CREATED').first().waitFor()
  await page.getByText('CUSTOMER CREATED').first().waitFor()
  await screen(page, 'webhooks-01-superuser-deliveries')

  await page.goto(`${server.url}/webhook-deliveries/${deliveries.customer}`)
  await page.waitForLoadState('networkidle')
  await eventually('the superuser reads the payload', async () => (await shownText(page)).includes(VICTIM))
  await screen(page, 'webhooks-02-superuser-delivery')

  await page.goto(`${server.url}/webhooks/${hooks.customers}`)
  await page.getByRole('textbox', { name: 'Name' }).fill('Customer CRM (renamed)')
  await page.getByRole('button', { name: /save/i }).click()
  await page.waitForLoadState('networkidle')
  await screen(page, 'webhooks-03-superuser-saves-customer-webhook')
  await waitForStored(hooks.customers, 'Customer CRM (renamed)')
  await page.context().close()
})

test(
  'MANAGE_APPS alone sees no delivery of people it may not read, and others’ customer webhooks read-only',
  { skip },
  async () => {
    const page = await signIn(appsEmail)

    // the deliveries list is empty, and a delivery's own address finds nothing
    await page.goto(`${server.url}/webhook-deliveries`)
    await page.waitForLoadState('networkidle')
    await screen(page, 'webhooks-04-apps-only-deliveries')
    let html = await page.content()
    assert.ok(!/(CUSTOMER|STAFF)[ _]CREATED/.test(html), 'a delivery row is listed')
    await page.getByText('Empty list').waitFor()
    await page.goto(`${server.url}/webhook-deliveries/${deliveries.customer}`)
    await page.waitForLoadState('networkidle')
    await screen(page, 'webhooks-05-apps-only-delivery-by-address')
    html = await shownText(page)
    assert.ok(!html.includes(VICTIM), 'the payload is shown')

    // the webhooks are listed; a customer webhook's page has no form to save
    await page.goto(`${server.url}/webhooks`)
    await page.getByText('Customer CRM').first().waitFor()
    await page.goto(`${server.url}/webhooks/${hooks.customers}`)
    await page.waitForLoadState('networkidle')
    await screen(page, 'webhooks-06-apps-only-customer-webhook')
    assert.equal(await page.getByRole('textbox', { name: 'Name' }).isEditable(), false, 'the name is editable')
    assert.equal(await page.getByRole('textbox', { name: 'Target Url' }).isEditable(), false, 'the target is editable')
    // a read-only checkbox group takes no click
    const staffCreated = page.getByRole('checkbox', { name: 'STAFF CREATED' })
    await staffCreated.click({ force: true })
    assert.equal(await staffCreated.isChecked(), false, 'an event could be ticked')
    html = await shownText(page)
    assert.ok(!html.includes(VICTIM) && !html.includes(VICTIM_STAFF))

    // an event-less webhook is its own to edit
    await page.goto(`${server.url}/webhooks/${hooks.empty}`)
    await page.getByRole('textbox', { name: 'Name' }).fill('Ping (renamed)')
    await page.getByRole('button', { name: /save/i }).click()
    await waitForStored(hooks.empty, 'Ping (renamed)')
    await page.context().close()
  },
)

test('no warning or error in the browser console comes from the webhook lists', { skip }, () => {
  const ours = consoleProblems.filter(line => /Webhook|webhook/.test(line.split(': ').slice(1).join(': ')))
  assert.deepEqual(ours, [], consoleProblems.join('\n'))
})

// the page's markup and the values of its fields (a textarea's value may not be in the markup)
async function shownText(page: Page): Promise<string> {
  const values = await page
    .locator('input, textarea')
    .evaluateAll(fields => fields.map(field => (field as HTMLInputElement | HTMLTextAreaElement).value))
  return [await page.content(), ...values].join('\n')
}

async function eventually(what: string, probe: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 15_000
  while (Date.now() < deadline) {
    if (await probe()) return
    await new Promise(resolve => setTimeout(resolve, 100))
  }
  assert.fail(`timed out: ${what}`)
}

async function waitForStored(id: string, name: string): Promise<void> {
  await eventually(
    `webhook ${id} renamed to ${name}`,
    async () => (await server.context.prisma.webhook.findUniqueOrThrow({ where: { id } })).name === name,
  )
}
