// Staff single sign-on (API.md §10): a provider with a `staff` section makes or promotes staff from
// its domains, and sets their permission groups to the ones its group claim's values map to, by
// name, at every sign-in: a group removed at the provider is removed here; a value outside the
// mapping grants nothing; a mapped name with no such group is logged, not made. An email outside
// the domains makes a customer. With STAFF_MFA_REQUIRED a provider session counts as two factors
// only when its ID token says so.
import '../../helpers/env'
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, type TestServer } from '../../helpers/server'
import { makeCustomer, makePermissionGroup, makeStaff, makeSuperuser } from '../../helpers/factories'
import { startOidcProvider, type TestOidcProvider } from '../../helpers/oidcProvider'
import { TEST_PUBLIC_URL } from '../../helpers/env'
import { newTotpEnrolment } from '../../../services/identity/totp'
import { awayFromStepEdge, codeFor } from '../mfa/mfaClient'

const REDIRECT = 'http://localhost:4999/account/callback'
const ERRORS = 'errors { field code }'
const URL_MUTATION = `mutation($input: JSONString!) {
  externalAuthenticationUrl(pluginId: "corp", input: $input) { authenticationData ${ERRORS} } }`
const OBTAIN = `mutation($input: JSONString!) {
  externalObtainAccessTokens(pluginId: "corp", input: $input) { token user { id email } ${ERRORS} } }`
const ADMINS = 'SSO shop admins'
const SUPPORT = 'SSO support'

let op: TestOidcProvider

function corpProvider(extra: Record<string, unknown> = {}) {
  return JSON.stringify([
    {
      id: 'corp',
      issuer: op.issuer,
      clientId: op.clientId,
      clientSecret: op.clientSecret,
      acr: 'urn:test:loa:2',
      staff: {
        domains: ['corp.example'],
        groupClaim: 'groups',
        groups: { 'shop-admins': ADMINS, support: SUPPORT, ghosts: 'A group nobody made' },
      },
      ...extra,
    },
  ])
}

async function signIn(server: TestServer, subject: string) {
  const res = await server.gql(URL_MUTATION, { input: JSON.stringify({ redirectUri: REDIRECT }) })
  const { authorizationUrl } = JSON.parse(res.body.data.externalAuthenticationUrl.authenticationData)
  const back = await op.authorize(authorizationUrl, subject)
  const obtained = await server.gql(OBTAIN, { input: JSON.stringify({ code: back.code, state: back.state }) })
  assert.ok(obtained.body.data?.externalObtainAccessTokens, JSON.stringify(obtained.body))
  return obtained.body.data.externalObtainAccessTokens
}

async function groupNamesOf(server: TestServer, email: string) {
  const user = await server.context.prisma.user.findUniqueOrThrow({
    where: { email },
    include: { permissionGroups: { select: { name: true } } },
  })
  return { isStaff: user.isStaff, groups: user.permissionGroups.map(g => g.name).sort() }
}

before(async () => {
  op = await startOidcProvider({ redirectUris: [REDIRECT, `${TEST_PUBLIC_URL}/auth/oidc/corp/callback`] })
})
after(async () => {
  await op?.stop()
})

describe('a provider with a staff section', () => {
  let server: TestServer
  before(async () => {
    server = await startServer({ env: { OIDC_PROVIDERS: corpProvider() } })
    await makeSuperuser(server.context)
    // another manager of staff, so that the scope rules let a single sign-on member lose every group
    await makeStaff(server.context, ['MANAGE_STAFF', 'MANAGE_USERS'])
    await makePermissionGroup(server.context, ['MANAGE_USERS', 'MANAGE_STAFF'], { name: ADMINS })
    await makePermissionGroup(server.context, ['MANAGE_USERS'], { name: SUPPORT })
  })
  after(async () => {
    await server?.stop()
  })

  test('makes staff from its domains with the mapped groups, and removes a group removed at the provider', async () => {
    // given
    op.setAccount('grace', {
      email: 'grace@corp.example',
      email_verified: true,
      groups: ['shop-admins', 'support', 'not-in-the-mapping', 'ghosts'],
    })
    // when
    const first = await signIn(server, 'grace')
    // then
    assert.deepEqual(first.errors, [])
    assert.deepEqual(await groupNamesOf(server, 'grace@corp.example'), {
      isStaff: true,
      groups: [ADMINS, SUPPORT].sort(),
    })
    assert.match(server.output(), /A group nobody made/)
    const staffQuery = await server.gql('{ staffUsersCount }', {}, { token: first.token })
    assert.equal(typeof staffQuery.body.data?.staffUsersCount, 'number', JSON.stringify(staffQuery.body))

    // when: support is removed at the provider
    op.setAccount('grace', { email: 'grace@corp.example', email_verified: true, groups: ['shop-admins'] })
    const second = await signIn(server, 'grace')
    // then
    assert.deepEqual(second.errors, [])
    assert.equal(second.user.id, first.user.id)
    assert.deepEqual(await groupNamesOf(server, 'grace@corp.example'), { isStaff: true, groups: [ADMINS] })

    // when: no mapped value at all
    op.setAccount('grace', { email: 'grace@corp.example', email_verified: true, groups: ['not-in-the-mapping'] })
    assert.deepEqual((await signIn(server, 'grace')).errors, [])
    assert.deepEqual(await groupNamesOf(server, 'grace@corp.example'), { isStaff: true, groups: [] })
  })

  test('promotes a customer of its domains (the promotion rule: the customer password goes, its sessions end)', async () => {
    const customer = await makeCustomer(server.context, { email: 'linus@corp.example' })
    op.setAccount('linus', { email: 'linus@corp.example', email_verified: true, groups: ['support'] })
    const payload = await signIn(server, 'linus')
    assert.deepEqual(payload.errors, [])
    assert.equal(payload.user.id, customer.id)
    assert.deepEqual(await groupNamesOf(server, 'linus@corp.example'), { isStaff: true, groups: [SUPPORT] })
    const row = await server.context.prisma.user.findUniqueOrThrow({ where: { id: customer.id } })
    assert.equal(row.password, null)
  })

  test('an email outside its domains, or not verified, makes a customer with no group', async () => {
    op.setAccount('outsider', { email: 'outsider@elsewhere.example', email_verified: true, groups: ['shop-admins'] })
    assert.deepEqual((await signIn(server, 'outsider')).errors, [])
    assert.deepEqual(await groupNamesOf(server, 'outsider@elsewhere.example'), { isStaff: false, groups: [] })
  })
})

describe('STAFF_MFA_REQUIRED', () => {
  let server: TestServer
  before(async () => {
    server = await startServer({ env: { OIDC_PROVIDERS: corpProvider(), STAFF_MFA_REQUIRED: 'true' } })
    await makeSuperuser(server.context)
    await makePermissionGroup(server.context, ['MANAGE_USERS', 'MANAGE_STAFF'], { name: ADMINS })
  })
  after(async () => {
    await server?.stop()
  })

  // MANAGE_STAFF's query answers only a session whose staff powers apply
  const staffPowers = async (token: string) =>
    typeof (await server.gql('{ staffUsersCount }', {}, { token })).body.data?.staffUsersCount === 'number'

  test('a provider session is staff only when its ID token asserts a second factor (amr mfa, or the configured acr)', async () => {
    op.setAccount('ada', { email: 'ada@corp.example', email_verified: true, groups: ['shop-admins'] })
    const oneFactor = await signIn(server, 'ada')
    assert.deepEqual(oneFactor.errors, [])
    assert.equal(await staffPowers(oneFactor.token), false)

    op.setAccount('ada', {
      email: 'ada@corp.example',
      email_verified: true,
      groups: ['shop-admins'],
      amr: ['pwd', 'mfa'],
    })
    assert.equal(await staffPowers((await signIn(server, 'ada')).token), true)

    op.setAccount('ada', {
      email: 'ada@corp.example',
      email_verified: true,
      groups: ['shop-admins'],
      acr: 'urn:test:loa:2',
    })
    assert.equal(await staffPowers((await signIn(server, 'ada')).token), true)

    op.setAccount('ada', {
      email: 'ada@corp.example',
      email_verified: true,
      groups: ['shop-admins'],
      acr: 'urn:test:loa:1',
    })
    assert.equal(await staffPowers((await signIn(server, 'ada')).token), false)
  })

  test('a group change the scope rules refuse (the last manager of staff losing MANAGE_STAFF) is logged and not made', async () => {
    // given: ada is the only active holder of MANAGE_STAFF (the superuser holds it through no group)
    op.setAccount('ada', { email: 'ada@corp.example', email_verified: true, groups: ['shop-admins'] })
    assert.deepEqual((await signIn(server, 'ada')).errors, [])
    // when: the provider drops the group
    op.setAccount('ada', { email: 'ada@corp.example', email_verified: true, groups: [] })
    const payload = await signIn(server, 'ada')
    // then: the sign-in goes on, the group stays, and the refusal is in the log
    assert.deepEqual(payload.errors, [])
    assert.deepEqual(await groupNamesOf(server, 'ada@corp.example'), { isStaff: true, groups: [ADMINS] })
    assert.match(server.output(), /groups for user \w+ refused: .*MANAGE_STAFF/)
  })
})

describe('the Admin UI callback for a staff member with an authenticator app', () => {
  let server: TestServer
  before(async () => {
    server = await startServer({ env: { OIDC_PROVIDERS: corpProvider() } })
    await makePermissionGroup(server.context, ['MANAGE_USERS'], { name: SUPPORT })
  })
  after(async () => {
    await server?.stop()
  })

  test('goes to the code step; adminSignInWithCode then starts the cookie session, amr ext + otp + mfa', async () => {
    // given: a provider-made staff member (no password) with TOTP on
    op.setAccount('hedy', { email: 'hedy@corp.example', email_verified: true, groups: ['support'] })
    assert.deepEqual((await signIn(server, 'hedy')).errors, [])
    const enrolment = await newTotpEnrolment('hedy@corp.example')
    await server.context.prisma.user.update({
      where: { email: 'hedy@corp.example' },
      data: { totpSecret: enrolment.sealed, totpEnabledAt: new Date() },
    })
    // when: the browser starts at the server, signs in at the provider, and comes back to the callback
    const start = await fetch(`${server.url}/auth/oidc/corp/start`, { redirect: 'manual' })
    assert.equal(start.status, 303)
    const back = await op.authorize(start.headers.get('location')!, 'hedy')
    assert.equal(back.url.href.startsWith(`${TEST_PUBLIC_URL}/auth/oidc/corp/callback?`), true)
    // (as a browser: with the cookie /start gave it, which binds the state to this browser)
    const browserCookie = start.headers.getSetCookie().find(c => c.startsWith('ks-oidc-browser='))!
    assert.match(browserCookie, /HttpOnly/)
    const callback = await fetch(`${server.url}${back.url.pathname}${back.url.search}`, {
      redirect: 'manual',
      headers: { cookie: browserCookie.split(';')[0]! },
    })
    // then: the sign-in page's code step, the challenge in its http-only cookie, no session yet
    assert.equal(callback.status, 303)
    assert.equal(callback.headers.get('location'), '/signin?step=code')
    const challengeCookie = callback.headers.getSetCookie().find(c => c.startsWith('ks-admin-mfa='))!
    assert.match(challengeCookie, /HttpOnly/)
    assert.equal(
      callback.headers.getSetCookie().some(c => c.startsWith('keystonejs-session=')),
      false,
    )

    // when: the code
    await awayFromStepEdge()
    const res = await server.gql(
      'mutation($code: String!) { adminSignInWithCode(code: $code) { errors { field code } } }',
      { code: codeFor(enrolment.secret) },
      { cookie: challengeCookie.split(';')[0] },
    )
    // then
    assert.deepEqual(res.body.data.adminSignInWithCode.errors, [])
    assert.ok(res.headers.getSetCookie().some(c => c.startsWith('keystonejs-session=')))
    const user = await server.context.prisma.user.findUniqueOrThrow({ where: { email: 'hedy@corp.example' } })
    const session = await server.context.prisma.authSession.findFirstOrThrow({
      where: { userId: user.id, kind: 'adminCookie' },
    })
    assert.equal(session.amr, 'otp mfa ext')
  })
})
