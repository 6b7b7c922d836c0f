// Second factors in the Admin UI, in a real Chromium with its virtual WebAuthn authenticator (CDP:
// WebAuthn.addVirtualAuthenticator, ctap2, internal, resident keys, user verification): a staff
// user adds a passkey on the Security area of its own page, signs out, and signs in again with the
// passkey alone (its session's amr: hwk mfa). With STAFF_MFA_REQUIRED=true a new staff user who
// signs in with its password is sent to the enrolment page (the users list sends it there too),
// sets up an authenticator app (the code computed here with otpauth from the key the page shows),
// sees its recovery codes, signs in again with its password and a code, and reaches the users
// list. A support agent sees that a customer's two-step sign-in is on and resets it with the page's
// "Reset second factor" action. Screenshots go to os.tmpdir()/identity-admin-screens (passkeys-*.png).
//
// WebAuthn needs a secure context and an RP id that is a domain, not an IP: the browser reaches
// each server at http://localhost:<port> through a loopback relay whose port is chosen before the
// server starts, so that WEBAUTHN_RP_ID=localhost and WEBAUTHN_ORIGINS name the page's origin.
import '../../helpers/env'
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync } from 'node:fs'
import { connect, createServer, type Server } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { Secret, TOTP } from 'otpauth'
import type { Browser, Page } from 'playwright-core'
import { browserSkipReason, launchChromium } from '../../helpers/browser'
import { freePort, startServer, type TestServer } from '../../helpers/server'
import { PASSWORD, makeCustomer, makeStaff } from '../../helpers/factories'

const SCREENS = path.join(os.tmpdir(), 'identity-admin-screens')
const skip = browserSkipReason()

type Served = { server: TestServer; relay: Server; url: string }

let browser: Browser
const served: Served[] = []
let plain: Promise<Served> | undefined

/** The server without STAFF_MFA_REQUIRED, shared by the tests that need no other. */
function plainServer(): Promise<Served> {
  plain ??= serveOnLocalhost({})
  return plain
}
const consoleProblems: string[] = []

/** A server the browser reaches at http://localhost:<port>, as WebAuthn's RP id `localhost` wants. */
async function serveOnLocalhost(env: Record<string, string>): Promise<Served> {
  const port = await freePort()
  const url = `http://localhost:${port}`
  const server = await startServer({
    ui: true,
    database: 'sqlite',
    env: { ...env, WEBAUTHN_RP_ID: 'localhost', WEBAUTHN_ORIGINS: url },
  })
  const target = Number(new URL(server.url).port)
  const relay = createServer(socket => {
    const upstream = connect(target, '127.0.0.1')
    socket.pipe(upstream).pipe(socket)
    socket.on('error', () => upstream.destroy())
    upstream.on('error', () => socket.destroy())
  })
  await new Promise<void>(resolve => relay.listen(port, '127.0.0.1', resolve))
  const entry = { server, relay, url }
  served.push(entry)
  return entry
}

before(async () => {
  if (skip) return
  mkdirSync(SCREENS, { recursive: true })
  browser = await launchChromium()
})

after(async () => {
  await browser?.close()
  for (const { server, relay } of served) {
    await new Promise(resolve => relay.close(resolve))
    await server.stop()
  }
})

/** A page of its own, with a virtual authenticator that holds resident keys and verifies its user. */
async function newPage(): Promise<Page> {
  const page = await (await browser.newContext()).newPage()
  await page.setViewportSize({ width: 1280, height: 900 })
  page.on('console', message => {
    if (message.type() === 'error') consoleProblems.push(`${page.url()}: ${message.text()}`)
  })
  const cdp = await page.context().newCDPSession(page)
  await cdp.send('WebAuthn.enable')
  await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
    },
  })
  return page
}

async function openSignIn(page: Page, url: string): Promise<void> {
  await page.goto(`${url}/`)
  await page.waitForURL(/\/signin/)
  // typing before React hydrates the form would be wiped by the hydration
  await page.waitForLoadState('networkidle')
}

async function typePassword(page: Page, email: string): Promise<void> {
  await page.getByRole('textbox', { name: 'Email' }).fill(email)
  await page.getByLabel('Password').first().fill(PASSWORD)
  await page.getByRole('button', { name: 'Sign in', exact: true }).click()
}

const screen = (page: Page, name: string) =>
  page.screenshot({ path: path.join(SCREENS, `passkeys-${name}.png`), fullPage: true })

/** How the user's most recent Admin UI session signed in. */
async function lastAdminAmr(server: TestServer, userId: string): Promise<string | undefined> {
  const session = await server.context.prisma.authSession.findFirst({
    where: { userId, kind: 'adminCookie' },
    orderBy: { createdAt: 'desc' },
  })
  return session?.amr
}

test(
  'a staff user adds a passkey on its Security area, signs out, and signs in to the Admin UI with it',
  { skip },
  async () => {
    // given
    const { server, url } = await plainServer()
    const staff = await makeStaff(server.context, ['MANAGE_USERS'], { firstName: 'Pat', lastName: 'Passkey' })
    const page = await newPage()
    await openSignIn(page, url)
    await screen(page, '1-signin')
    await typePassword(page, staff.email)
    await page.getByRole('navigation').waitFor()

    // when: it adds a passkey on its own page
    await page.goto(`${url}/users/${staff.id}`)
    const security = page.getByRole('group', { name: 'Security', exact: true })
    await security.waitFor()
    await page.waitForLoadState('networkidle')
    await security.getByRole('textbox', { name: /Name of the new passkey/ }).fill('Test laptop')
    await security.getByRole('button', { name: 'Add a passkey' }).click()
    await security.getByText('Test laptop', { exact: true }).waitFor()
    await security.scrollIntoViewIfNeeded()
    await screen(page, '2-security-passkey-added')

    // then: the server holds it
    const stored = await server.context.prisma.passkeyCredential.findMany({ where: { userId: staff.id } })
    assert.deepEqual(
      stored.map(passkey => passkey.name),
      ['Test laptop'],
    )

    // when: it signs out, and signs in with the passkey alone
    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.waitForURL(/\/signin/)
    await page.waitForLoadState('networkidle')
    await page.getByRole('button', { name: 'Continue with a passkey' }).click()
    await page.waitForURL(target => !target.pathname.includes('signin'))
    await page.getByRole('navigation').waitFor()
    await screen(page, '3-signed-in-with-passkey')

    // then: a session of two factors, and the Admin UI's lists
    assert.equal(await lastAdminAmr(server, staff.id), 'hwk mfa')
    await page.goto(`${url}/users`)
    await page.getByRole('heading', { name: 'Users' }).waitFor()
  },
)

test(
  'with STAFF_MFA_REQUIRED a new staff user is sent to enrol, sets up an authenticator app, signs in with a code and reaches the users list',
  { skip },
  async () => {
    // given
    const { server, url } = await serveOnLocalhost({ STAFF_MFA_REQUIRED: 'true' })
    const staff = await makeStaff(server.context, ['MANAGE_USERS'], { firstName: 'Nia', lastName: 'New' })
    const customer = await makeCustomer(server.context, { firstName: 'Listed', lastName: 'Customer' })
    const page = await newPage()
    await openSignIn(page, url)

    // when: it signs in with its password only
    await typePassword(page, staff.email)

    // then: it is sent to enrol, and the users list sends it there too
    await page.waitForURL(/\/second-factor/)
    await page.getByRole('button', { name: 'Set up an authenticator app' }).waitFor()
    await page.goto(`${url}/users`)
    await page.waitForURL(/\/second-factor/)
    await page.waitForLoadState('networkidle')
    await screen(page, '4-enrolment')

    // when: it sets up an authenticator app with the key shown and a first code
    await page.getByRole('textbox', { name: 'Your password' }).fill(PASSWORD)
    await page.getByRole('button', { name: 'Set up an authenticator app' }).click()
    const secret = (await page.getByTestId('totp-secret').innerText()).trim()
    assert.match(secret, /^[A-Z2-7]{32,}$/)
    assert.ok(await page.getByRole('img', { name: 'QR code for your authenticator app' }).isVisible())
    await screen(page, '5-enrolment-qr')
    const totp = new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 })
    await page.getByRole('textbox', { name: 'Code from the app' }).fill(totp.generate())
    await page.getByRole('button', { name: 'Turn on two-step sign-in' }).click()

    // then: ten recovery codes, once
    const codes = page.getByRole('list', { name: 'Recovery codes' })
    await codes.waitFor()
    assert.equal(await codes.getByRole('listitem').count(), 10)
    await screen(page, '6-recovery-codes')
    await page.getByRole('button', { name: 'I have saved my recovery codes' }).click()

    // when: it signs in again, with its password and then a code (the next step's: the first
    // code's step is spent, and a step either side is accepted)
    await page.getByRole('button', { name: 'Sign in again' }).click()
    await page.waitForURL(/\/signin/)
    await page.waitForLoadState('networkidle')
    await typePassword(page, staff.email)
    const code = page.getByRole('textbox', { name: 'Code' })
    await code.waitFor()
    await screen(page, '7-signin-code')
    await code.fill(totp.generate({ timestamp: Date.now() + 30_000 }))
    await page.getByRole('button', { name: 'Verify' }).click()
    await page.waitForURL(target => !target.pathname.includes('signin'))
    await page.getByRole('navigation').waitFor()

    // then: a session of two factors, and the customers in the users list
    assert.equal(await lastAdminAmr(server, staff.id), 'pwd otp mfa')
    await page.goto(`${url}/users`)
    await page.getByRole('heading', { name: 'Users' }).waitFor()
    await page.getByText(customer.email).first().waitFor()
    await screen(page, '8-users-list')
    assert.deepEqual(consoleProblems, [])
  },
)

test(
  "a support agent sees that a customer's two-step sign-in is on and resets it from the customer's page",
  { skip },
  async () => {
    // given: a customer with an authenticator app and a passkey, who lost its phone
    const { server, url } = await plainServer()
    const customer = await makeCustomer(server.context, { firstName: 'Lost', lastName: 'Phone' })
    await server.context.prisma.user.update({
      where: { id: customer.id },
      data: { totpSecret: 'sealed-secret-of-the-test', totpEnabledAt: new Date() },
    })
    await server.context.prisma.passkeyCredential.create({
      data: { userId: customer.id, credentialId: `cred-${customer.id}`, publicKey: 'pk', name: 'Old phone' },
    })
    const agent = await makeStaff(server.context, ['MANAGE_USERS'], { firstName: 'Sam', lastName: 'Support' })
    const page = await newPage()
    await openSignIn(page, url)
    await typePassword(page, agent.email)
    await page.getByRole('navigation').waitFor()

    // when: the agent opens the customer's page
    await page.goto(`${url}/users/${customer.id}`)
    const security = page.getByRole('group', { name: 'Security', exact: true })
    await security.getByText('Two-step sign-in: On').waitFor()
    await page.waitForLoadState('networkidle')
    await security.scrollIntoViewIfNeeded()
    await screen(page, '9-customer-second-factor-on')

    // and resets the second factor
    // among the page's actions, past the first in the overflow menu ("…") at this width
    const direct = page.getByRole('button', { name: 'Reset second factor' })
    if (await direct.isVisible()) await direct.click()
    else {
      await page.getByRole('button', { name: '…' }).click()
      await page.getByRole('menuitem', { name: 'Reset second factor' }).click()
    }
    const prompt = page.getByRole('alertdialog').or(page.getByRole('dialog'))
    await prompt.getByRole('button', { name: 'Reset second factor' }).click()
    await page
      .getByText(/Second factor of .* reset/)
      .first()
      .waitFor()
    await security.getByText('Two-step sign-in: Off').waitFor()
    await security.scrollIntoViewIfNeeded()
    await screen(page, '10-customer-second-factor-reset')

    // then: nothing of it is left, and it was recorded with the agent as actor
    const after = await server.context.prisma.user.findUniqueOrThrow({ where: { id: customer.id } })
    assert.equal(after.totpEnabledAt, null)
    assert.equal(after.totpSecret, null)
    assert.equal(await server.context.prisma.passkeyCredential.count({ where: { userId: customer.id } }), 0)
    const event = await server.context.prisma.accountEvent.findFirst({
      where: { userId: customer.id, type: 'SECOND_FACTOR_RESET' },
    })
    assert.equal(event?.actorId, agent.id)
  },
)
