// The staff experience in a real Chromium: the superuser creates a customer-support staff user
// (MANAGE_USERS); that user finds a customer by search, edits an address, adds the customer to a
// group, sends a password reset from the customer's page (the mail arrives over SMTP), reads the
// customer's events and outbox mails, and cannot open permission groups or staff users. A wrong
// password says so; a customer cannot sign in. Each page is written to
// os.tmpdir()/identity-admin-screens, and no warning or error of our own reaches the console.
import '../../helpers/env'
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { browserSkipReason, launchChromium, openAdminSignIn, submitSignIn } from '../../helpers/browser'
import { ROOT, startServer, type TestServer } from '../../helpers/server'
import { linkFromMail, startMailbox, tokenFromMail, type Mail, type Mailbox } from '../../helpers/mailbox'
import { makeAddress, makeCustomer, makeCustomerGroup, makePermissionGroup } from '../../helpers/factories'
import { tokenFor } from '../../helpers/actors'
import { TEST_PUBLIC_URL } from '../../helpers/env'

const ADMIN_EMAIL = 'owner@example.com'
const ADMIN_PASSWORD = 'owner password for the admin ui test'
const SUPPORT_EMAIL = 'support@example.com'
const SUPPORT_PASSWORD = 'support agent password 2024'
const CUSTOMER_EMAIL = 'customer2@example.com'
const CUSTOMER_PASSWORD = 'demo-customer-password'
const SCREENS = path.join(os.tmpdir(), 'identity-admin-screens')
const skip = browserSkipReason()

let server: TestServer
let mailbox: Mailbox
let browser: Browser
// console warnings and errors of every page, with the page they came from
const consoleProblems: string[] = []

before(async () => {
  if (skip) return
  mkdirSync(SCREENS, { recursive: true })
  mailbox = await startMailbox()
  server = await startServer({
    ui: true,
    database: 'sqlite',
    env: { SMTP_URL: mailbox.url, OUTBOX_POLL_MS: '100', OUTBOX_BACKOFF_MS: '200' },
  })
  const seed = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/seed.ts', '--customers', '3'], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: server.databaseUrl, ADMIN_EMAIL, ADMIN_PASSWORD },
    encoding: 'utf8',
  })
  assert.equal(seed.status, 0, seed.stderr + seed.stdout)
  browser = await launchChromium()
})

after(async () => {
  await browser?.close()
  await server?.stop()
  await mailbox?.stop()
})

async function screen(page: Page, name: string): Promise<void> {
  await page.waitForLoadState('networkidle')
  await page.screenshot({ path: path.join(SCREENS, `${name}.png`), fullPage: true })
}

function openSignIn(): Promise<Page> {
  return openAdminSignIn(browser, server.url, consoleProblems)
}

async function signIn(email: string, password: string): Promise<Page> {
  const page = await openSignIn()
  await submitSignIn(page, email, password)
  return page
}

test('a wrong password on the Admin UI sign-in page says so and keeps the email', { skip }, async () => {
  // given
  const page = await openSignIn()
  await page.getByRole('textbox', { name: 'Email' }).fill(ADMIN_EMAIL)
  await page.getByLabel('Password').first().fill('not the password')
  // when
  await page.getByRole('button', { name: /sign in/i }).click()
  // then
  await page.getByText('Authentication failed.', { exact: false }).waitFor()
  assert.equal(await page.getByRole('textbox', { name: 'Email' }).inputValue(), ADMIN_EMAIL)
  await screen(page, '01-signin-wrong-password')
  await page.context().close()
})

test('a customer cannot sign in to the Admin UI and is told so', { skip }, async () => {
  const page = await openSignIn()
  await page.getByRole('textbox', { name: 'Email' }).fill('customer1@example.com')
  await page.getByLabel('Password').first().fill(CUSTOMER_PASSWORD)
  await page.getByRole('button', { name: /sign in/i }).click()
  await page.getByText('Authentication failed.', { exact: false }).waitFor()
  assert.match(new URL(page.url()).pathname, /signin/)
  await screen(page, '02-signin-customer-refused')
  await page.context().close()
})

test('the superuser creates a support agent, who serves a customer from the Admin UI', { skip }, async () => {
  // given: a MANAGE_USERS group, a customer group, and an address on the customer
  const support = await makePermissionGroup(server.context, ['MANAGE_USERS'], { name: 'Support agents' })
  const managers = await makePermissionGroup(server.context, ['MANAGE_STAFF'], { name: 'Staff managers' })
  await makeCustomerGroup(server.context, { name: 'VIP customers' })
  const owner = await server.context.prisma.user.findUniqueOrThrow({ where: { email: ADMIN_EMAIL } })
  const customer = await server.context.prisma.user.findUniqueOrThrow({ where: { email: CUSTOMER_EMAIL } })
  const address = await makeAddress(server.context, customer.id, { streetAddress1: '1 Old Street' })

  // the superuser creates the staff user in the Admin UI
  const admin = await signIn(ADMIN_EMAIL, ADMIN_PASSWORD)
  await screen(admin, '03-superuser-dashboard')
  await admin.goto(`${server.url}/users/create`)
  await admin.getByRole('textbox', { name: 'Email' }).fill(SUPPORT_EMAIL)
  await admin.getByRole('textbox', { name: 'First Name' }).fill('Sam')
  await admin
    .getByRole('button', { name: /set password/i })
    .click()
    .catch(() => undefined)
  const passwords = admin.locator('input[type="password"]')
  await passwords.nth(0).fill(SUPPORT_PASSWORD)
  if ((await passwords.count()) > 1) await passwords.nth(1).fill(SUPPORT_PASSWORD)
  await admin.getByRole('checkbox', { name: 'Staff' }).check()
  await admin.getByRole('combobox', { name: 'Permission Groups' }).fill('Support')
  await admin.waitForLoadState('networkidle')
  await admin.getByRole('option', { name: 'Support agents' }).click()
  // the open list of options hides the rest of the page from the accessibility tree
  await admin.keyboard.press('Escape')
  await screen(admin, '04-superuser-creates-support')
  await admin.getByRole('button', { name: 'Create', exact: true }).click()
  await admin.waitForURL(url => /\/users\/[^/]+$/.test(url.pathname) && !url.pathname.endsWith('create'))
  const created = await server.context.prisma.user.findUniqueOrThrow({
    where: { email: SUPPORT_EMAIL },
    include: { permissionGroups: true },
  })
  assert.equal(created.isStaff, true)
  assert.deepEqual(
    created.permissionGroups.map(g => g.id),
    [support.id],
  )
  await admin.context().close()

  // the agent finds the customer by search
  const page = await signIn(SUPPORT_EMAIL, SUPPORT_PASSWORD)
  await page.goto(`${server.url}/users`)
  await page.getByRole('searchbox').fill(CUSTOMER_EMAIL.split('@')[0]!)
  // Keystone's list rows open the item when clicked; the search leaves the one customer
  await page.getByText('1 User').waitFor()
  await screen(page, '05-support-finds-customer')
  await page.getByText(CUSTOMER_EMAIL).first().click()
  await page.waitForURL(new RegExp(`/users/${customer.id}$`))
  await page.getByText('Sign-in and security').first().waitFor()
  await screen(page, '06-support-customer-page')

  // edits an address
  await page.goto(`${server.url}/addresses/${address.id}`)
  await page.getByRole('textbox', { name: 'Street Address1' }).fill('2 New Street')
  // the save's own request answered (networkidle alone can come before a loaded machine sends it)
  const saved = page.waitForResponse(
    response => response.url().includes('/api/graphql') && /updateAddress/.test(response.request().postData() ?? ''),
  )
  await page.getByRole('button', { name: /save/i }).click()
  await saved
  await page.waitForLoadState('networkidle')
  await screen(page, '07-support-edits-address')
  assert.equal(
    (await server.context.prisma.address.findUniqueOrThrow({ where: { id: address.id } })).streetAddress1,
    '2 New Street',
  )

  // adds the customer to a group, once the page holds the user (typing earlier is undone when it loads)
  await page.goto(`${server.url}/users/${customer.id}`)
  await page.waitForLoadState('networkidle')
  const customerGroups = page.getByRole('combobox', { name: 'Customer Groups' })
  await customerGroups.waitFor()
  const option = page.getByRole('option', { name: 'VIP customers' })
  // a loaded machine may re-render the field while the text goes in, which empties it: type again until the option shows
  for (let attempt = 1; ; attempt++) {
    await customerGroups.fill('')
    await customerGroups.fill('VIP')
    const shown = await option.waitFor({ timeout: 8_000 }).then(
      () => true,
      () => false,
    )
    if (shown) break
    if (attempt === 4) assert.fail('the option "VIP customers" never showed for the text "VIP"')
  }
  // the options are fetched again as the text changes: pick one once the list has settled
  await page.waitForLoadState('networkidle')
  await option.click()
  await page.keyboard.press('Escape')
  // the choice shows in the field, beside the group the customer had
  await page.getByText('VIP customers').first().waitFor()
  await page.getByRole('button', { name: 'Save', exact: true }).click()
  await page.getByText('Saved changes to user.').waitFor()
  const grouped = await server.context.prisma.user.findUniqueOrThrow({
    where: { id: customer.id },
    include: { customerGroups: true },
  })
  assert.deepEqual(grouped.customerGroups.map(g => g.name).sort(), ['Newsletter', 'VIP customers'])
  await screen(page, '08-support-adds-group')

  // sends a password reset from the customer's page: the mail arrives
  await page.getByRole('button', { name: 'Send password reset' }).click()
  // Keystone asks before it runs an action
  const prompt = page.getByRole('alertdialog').or(page.getByRole('dialog'))
  await screen(page, '09-support-confirms-reset')
  await prompt.getByRole('button', { name: 'Send password reset' }).click()
  await page.getByText(`Password reset sent to ${CUSTOMER_EMAIL}`).waitFor()
  const mail = await mailbox.next(CUSTOMER_EMAIL, /password/i, 20_000)
  assert.match(mail.text, /token=/)
  await screen(page, '10-support-sent-reset')

  // reads the customer's events and outbox mails
  await page.goto(`${server.url}/account-events`)
  // the reset is recorded with the agent who sent it
  const sent = page.getByRole('row').filter({ hasText: 'PASSWORD RESET LINK SENT' })
  await sent.first().waitFor()
  assert.match(await sent.first().innerText(), new RegExp(`${CUSTOMER_EMAIL}[\\s\\S]*${SUPPORT_EMAIL}`))
  await screen(page, '11-support-reads-events')
  await page.goto(`${server.url}/outbox-mails`)
  await page.getByText(CUSTOMER_EMAIL).first().waitFor()
  await screen(page, '12-support-reads-outbox')
  // the mail itself: what went to whom and when, read-only, and never its link's token
  await page.getByText(CUSTOMER_EMAIL).first().click()
  await page.waitForURL(/\/outbox-mails\/[^/]+$/)
  await page.getByText(mail.subject).first().waitFor()
  await page.waitForLoadState('networkidle')
  const outboxPage = await page.locator('main').innerText()
  assert.doesNotMatch(outboxPage, new RegExp(tokenFromMail(mail)))
  assert.equal(await page.getByRole('textbox', { name: 'To' }).isEditable(), false)
  await screen(page, '13-support-reads-a-mail')

  // cannot open permission groups or staff users: no link to them, no other group, no staff member's page
  const links = (await page.getByRole('navigation').getByRole('link').allInnerTexts()).map(text => text.trim())
  assert.ok(!links.includes('Permission Groups'), links.join(', '))
  await page.goto(`${server.url}/permission-groups`)
  await page.getByText('1 Permission Group').waitFor()
  const groups = await page.locator('main').innerText()
  // its own group only (what `me { permissionGroups }` answers too), with nothing to create
  assert.doesNotMatch(groups, /Staff managers/)
  assert.equal(await page.getByRole('button', { name: 'Create', exact: true }).count(), 0)
  await page.goto(`${server.url}/permission-groups/${support.id}`)
  await page.getByText('Support agents').first().waitFor()
  await page.waitForLoadState('networkidle')
  // read, not a form: the name cannot be typed into and there is nothing to delete
  assert.equal(await page.getByRole('textbox', { name: 'Name' }).isEditable(), false)
  assert.equal(await page.getByRole('button', { name: 'Delete', exact: true }).count(), 0)
  await screen(page, '14-support-own-group-read-only')
  await page.goto(`${server.url}/permission-groups/${managers.id}`)
  await page.waitForLoadState('networkidle')
  assert.doesNotMatch(await page.locator('main').innerText(), /Staff managers|MANAGE_STAFF/)
  await screen(page, '15-support-no-other-group')
  await page.goto(`${server.url}/users/${owner.id}`)
  await page.waitForLoadState('networkidle')
  assert.doesNotMatch(await page.locator('main').innerText(), new RegExp(ADMIN_EMAIL.replace('.', '\\.')))
  await screen(page, '16-support-no-staff-user')
  await page.goto(`${server.url}/users`)
  await page.getByRole('searchbox').fill('owner')
  await page.getByText('No results').first().waitFor()
  await screen(page, '17-support-finds-no-staff')
  await page.context().close()
})

// an account action of a user's page, taken by the superuser through the mutation the page calls
async function takeAction(mutation: string, userId: string): Promise<void> {
  const owner = await server.context.prisma.user.findUniqueOrThrow({ where: { email: ADMIN_EMAIL } })
  const token = await tokenFor(server.context, owner.id)
  const res = await server.gql(
    `mutation($id: ID!) { ${mutation}(where: { id: $id }) { id } }`,
    { id: userId },
    { token },
  )
  assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors))
}

// the page a mailed link opens: no session, the token read once and taken out of the address bar
async function openLink(mail: Mail, pathname: string): Promise<Page> {
  const link = linkFromMail(mail)
  assert.equal(link.origin, TEST_PUBLIC_URL)
  assert.equal(link.pathname, pathname)
  const page = await (await browser.newContext()).newPage()
  await page.goto(`${server.url}${link.pathname}${link.search}`)
  await page.getByRole('heading', { level: 1 }).waitFor()
  await page.waitForURL(url => !url.search)
  return page
}

test(
  "a customer follows the reset link sent from the Admin UI to the Admin UI's page and sets a password once",
  { skip },
  async () => {
    // given: staff sent customer3 a reset from its page (the generated mutation the page's action calls)
    const customer = await server.context.prisma.user.findUniqueOrThrow({ where: { email: 'customer3@example.com' } })
    await takeAction('sendPasswordResetUser', customer.id)
    const mail = await mailbox.next(customer.email, /password/i, 20_000)
    // when: it opens the link and first tries a password the policy refuses
    const page = await openLink(mail, '/reset-password')
    await page.locator('input[type="password"]').nth(0).fill('12345678')
    await page.locator('input[type="password"]').nth(1).fill('12345678')
    await page.getByRole('button', { name: 'Set my password' }).click()
    await page
      .getByText(/numeric|common/)
      .first()
      .waitFor()
    await screen(page, '18-customer-reset-refused-by-policy')
    await page.locator('input[type="password"]').nth(0).fill('a brand new passphrase 2026')
    await page.locator('input[type="password"]').nth(1).fill('a brand new passphrase 2026')
    await page.getByRole('button', { name: 'Set my password' }).click()
    // then
    await page.getByText('Your password is set').waitFor()
    await screen(page, '19-customer-reset-done')
    const signIn = await server.gql(
      'mutation($email: String!, $password: String!) { tokenCreate(email: $email, password: $password) { token errors { code } } }',
      { email: customer.email, password: 'a brand new passphrase 2026' },
    )
    assert.ok(signIn.body.data.tokenCreate.token, JSON.stringify(signIn.body.data.tokenCreate.errors))
    // and the same link a second time is refused
    const again = await openLink(mail, '/reset-password')
    await again.locator('input[type="password"]').nth(0).fill('another new passphrase 2026')
    await again.locator('input[type="password"]').nth(1).fill('another new passphrase 2026')
    await again.getByRole('button', { name: 'Set my password' }).click()
    await again.getByText('This link is no longer valid').waitFor()
    await screen(again, '20-customer-reset-link-used')
    await page.context().close()
    await again.context().close()
  },
)

test("an unconfirmed customer confirms from the Admin UI's page the link staff resent", { skip }, async () => {
  // given
  const customer = await makeCustomer(server.context, { isConfirmed: false })
  await takeAction('resendConfirmationUser', customer.id)
  const mail = await mailbox.next(customer.email, /confirm/i, 20_000)
  // when
  const page = await openLink(mail, '/confirm-account')
  await page.getByText('Confirm your email address').waitFor()
  await screen(page, '21-customer-confirm-page')
  await page.getByRole('button', { name: 'Confirm my account' }).click()
  // then
  await page.getByText('Your account is confirmed').waitFor()
  await screen(page, '22-customer-confirmed')
  assert.equal((await server.context.prisma.user.findUniqueOrThrow({ where: { id: customer.id } })).isConfirmed, true)
  await page.context().close()
})

test('no warning or error in the browser console comes from our lists', { skip }, () => {
  // Keystone's and Next's own development notices are not ours; anything naming a list or field of ours is
  const ours = consoleProblems.filter(line =>
    /User|Address|OutboxMail|AccountEvent|CustomerGroup|PermissionGroup|userActions|signin/.test(
      line.split(': ').slice(1).join(': '),
    ),
  )
  assert.deepEqual(ours, [], consoleProblems.join('\n'))
})
