// The Admin UI's "Sign in with <provider>" in a real Chromium, against a real OpenID Provider on
// loopback (tests/helpers/oidcProvider.ts): the sign-in page offers the provider with a staff
// section, the provider signs the staff member in, and the Admin UI opens on the users list with
// the groups the provider's claim maps to. A provider's refusal comes back to the sign-in page.
// The server's public URL (PUBLIC_URL, the callback registered at the provider) is routed to the
// test server, as a proxy in front of it would.
import '../../helpers/env'
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import type { Browser, Page } from 'playwright-core'
import { browserSkipReason, launchChromium } from '../../helpers/browser'
import { TEST_PUBLIC_URL } from '../../helpers/env'
import { startServer, type TestServer } from '../../helpers/server'
import { makePermissionGroup } from '../../helpers/factories'
import { startOidcProvider, type TestOidcProvider } from '../../helpers/oidcProvider'

const skip = browserSkipReason()
const CALLBACK = `${TEST_PUBLIC_URL}/auth/oidc/corp/callback`

let op: TestOidcProvider
let server: TestServer
let browser: Browser

before(async () => {
  if (skip) return
  op = await startOidcProvider({ redirectUris: [CALLBACK] })
  const providers = [
    {
      id: 'corp',
      issuer: op.issuer,
      clientId: op.clientId,
      clientSecret: op.clientSecret,
      staff: { domains: ['corp.example'], groupClaim: 'groups', groups: { admins: 'SSO managers' } },
    },
  ]
  server = await startServer({ ui: true, database: 'sqlite', env: { OIDC_PROVIDERS: JSON.stringify(providers) } })
  await makePermissionGroup(server.context, ['MANAGE_USERS', 'MANAGE_STAFF'], { name: 'SSO managers' })
  browser = await launchChromium()
})

after(async () => {
  await browser?.close()
  await server?.stop()
  await op?.stop()
})

async function signInPage(): Promise<Page> {
  const page = await (await browser.newContext()).newPage()
  // PUBLIC_URL's callback reaches this server, as through the proxy a deployment puts in front of it
  await page.route(`${TEST_PUBLIC_URL}/**`, route => {
    const url = new URL(route.request().url())
    return route.fulfill({ status: 302, headers: { location: `${server.url}${url.pathname}${url.search}` } })
  })
  await page.goto(`${server.url}/`)
  await page.waitForURL(/\/signin/)
  await page.waitForLoadState('networkidle')
  return page
}

test('"Sign in with corp" signs a staff member of the provider in and opens the users list', { skip }, async () => {
  // given
  op.setAccount('margaret', {
    email: 'margaret@corp.example',
    email_verified: true,
    given_name: 'Margaret',
    family_name: 'Hamilton',
    groups: ['admins'],
  })
  op.defaultSubject = 'margaret'
  const page = await signInPage()
  // when
  await page.getByRole('link', { name: 'Sign in with corp' }).click()
  await page.waitForURL(url => url.origin === server.url && !url.pathname.includes('signin'))
  await page.getByRole('navigation').waitFor()
  await page.goto(`${server.url}/users`)
  // then
  await page.getByRole('heading', { name: 'Users' }).waitFor()
  // the list shows the staff member the provider made
  await page
    .getByRole('main')
    .getByText(/Margaret Hamilton|margaret@corp\.example/)
    .first()
    .waitFor()
  const user = await server.context.prisma.user.findUniqueOrThrow({
    where: { email: 'margaret@corp.example' },
    include: { permissionGroups: { select: { name: true } } },
  })
  assert.equal(user.isStaff, true)
  assert.deepEqual(
    user.permissionGroups.map(group => group.name),
    ['SSO managers'],
  )
  const session = await server.context.prisma.authSession.findFirstOrThrow({ where: { userId: user.id } })
  // a provider session that asserted no second factor: ext alone
  assert.equal(session.amr, 'ext')
})

test('an email outside the staff domains is sent back to the sign-in page with the refusal', { skip }, async () => {
  op.setAccount('stranger', { email: 'stranger@elsewhere.example', email_verified: true, groups: ['admins'] })
  op.defaultSubject = 'stranger'
  const page = await signInPage()
  await page.getByRole('link', { name: 'Sign in with corp' }).click()
  await page.waitForURL(url => url.origin === server.url && url.searchParams.has('externalError'))
  await page.getByText(/only active staff/i).waitFor()
})
