// Signing in with an OpenID Connect provider through Saleor's external* mutations (API.md §10),
// against a real OpenID Provider on loopback (tests/helpers/oidcProvider.ts) and Saleor's own
// storefront client, @saleor/auth-sdk's SaleorExternalAuth, unchanged: a shopper end to end, the
// second sign-in finding the same user, the linking rules (a verified email links, an unverified
// one does not, the subject decides when the email changes), every forged or replayed answer
// refused with nothing created, a provider that is down, and a TOTP user's second step.
import '../../helpers/env'
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { SaleorExternalAuth } from '@saleor/auth-sdk'
import { startServer, freePort, type TestServer } from '../../helpers/server'
import { startMailbox, type Mailbox } from '../../helpers/mailbox'
import { makeCustomer, makeStaff, proveMailbox } from '../../helpers/factories'
import { startOidcProvider, type TestOidcProvider } from '../../helpers/oidcProvider'
import { newTotpEnrolment } from '../../../services/identity/totp'
import { bindExternalSignIn } from '../../../services/identity/externalSignIn'
import { awayFromStepEdge, codeFor } from '../mfa/mfaClient'

const REDIRECT = 'http://localhost:4999/account/callback'
const ERRORS = 'errors { field code message }'
const URL_MUTATION = `mutation($pluginId: String!, $input: JSONString!) {
  externalAuthenticationUrl(pluginId: $pluginId, input: $input) { authenticationData ${ERRORS} } }`
const OBTAIN = `mutation($pluginId: String!, $input: JSONString!) {
  externalObtainAccessTokens(pluginId: $pluginId, input: $input) { token refreshToken csrfToken mfaChallenge user { id email } ${ERRORS} } }`
const ME = '{ me { id email isConfirmed sessions { current amr } } }'

let op: TestOidcProvider
// a second provider, stopped in the middle of a sign-in
let flaky: TestOidcProvider
let server: TestServer
let mailbox: Mailbox
let closedPort: number
let nextSubject = 1

before(async () => {
  op = await startOidcProvider({ redirectUris: [REDIRECT] })
  flaky = await startOidcProvider({ redirectUris: [REDIRECT] })
  mailbox = await startMailbox()
  closedPort = await freePort()
  const client = { issuer: op.issuer, clientId: op.clientId, clientSecret: op.clientSecret }
  server = await startServer({
    env: {
      SMTP_URL: mailbox.url,
      OUTBOX_POLL_MS: '100',
      OIDC_PROVIDERS: JSON.stringify([
        { id: 'idp', ...client },
        { id: 'down', issuer: `http://127.0.0.1:${closedPort}`, clientId: 'x', clientSecret: 'y' },
        { id: 'flaky', issuer: flaky.issuer, clientId: flaky.clientId, clientSecret: flaky.clientSecret },
      ]),
    },
  })
})
after(async () => {
  await server?.stop()
  await mailbox?.stop()
  await op?.stop()
  await flaky?.stop()
})

function newSubject(claims: Parameters<TestOidcProvider['setAccount']>[1] = {}): { subject: string; email: string } {
  const subject = `subject-${process.pid}-${nextSubject++}`
  const email = `${subject}@shopper.example`
  op.setAccount(subject, { email, email_verified: true, given_name: 'Ada', family_name: 'Lovelace', ...claims })
  return { subject, email: claims.email ?? email }
}

async function authorizationUrl(pluginId = 'idp', redirectUri = REDIRECT) {
  const res = await server.gql(URL_MUTATION, { pluginId, input: JSON.stringify({ redirectUri }) })
  return res.body.data.externalAuthenticationUrl as { authenticationData: string | null; errors: any[] }
}

async function startSignIn(subject: string) {
  const { authenticationData, errors } = await authorizationUrl()
  assert.deepEqual(errors, [])
  const { authorizationUrl: url } = JSON.parse(authenticationData!)
  return op.authorize(url, subject)
}

async function obtain(input: Record<string, unknown>, pluginId = 'idp') {
  const res = await server.gql(OBTAIN, { pluginId, input: JSON.stringify(input) })
  assert.ok(res.body.data?.externalObtainAccessTokens, JSON.stringify(res.body))
  return res.body.data.externalObtainAccessTokens
}

async function counts() {
  const prisma = server.context.prisma
  return { users: await prisma.user.count(), links: await prisma.externalAccount.count() }
}

const codes = (payload: { errors: { code: string }[] }) => payload.errors.map(error => error.code)

describe('a shopper through Saleor’s SaleorExternalAuth', () => {
  test('signs in end to end: a confirmed customer, a session of amr ext; the second sign-in finds the same user', async () => {
    // given
    const { subject, email } = newSubject()
    const auth = new SaleorExternalAuth(`${server.url}/api/graphql`, 'idp' as never)
    // when
    const authorizationUrl = await auth.initiate({ redirectURL: REDIRECT })
    const { code, state } = await op.authorize(authorizationUrl, subject)
    const first: any = await auth.obtainAccessToken({ code, state })
    // then
    assert.deepEqual(first.errors, [])
    assert.equal(first.user?.email, email)
    const me = await server.gql(ME, {}, { token: first.token! })
    assert.equal(me.body.data.me.email, email)
    assert.equal(me.body.data.me.isConfirmed, true)
    assert.deepEqual(me.body.data.me.sessions.find((s: any) => s.current).amr, ['ext'])
    const user = await server.context.prisma.user.findUniqueOrThrow({ where: { email } })
    assert.equal(user.password, null)
    assert.deepEqual([user.firstName, user.lastName, user.isStaff], ['Ada', 'Lovelace', false])

    // when: the second sign-in
    const again = await op.authorize(await auth.initiate({ redirectURL: REDIRECT }), subject)
    const second: any = await auth.obtainAccessToken(again)
    // then
    assert.deepEqual(second.errors, [])
    assert.equal(second.user?.id, first.user?.id)
    assert.equal(await server.context.prisma.user.count({ where: { email } }), 1)
    assert.equal(await server.context.prisma.externalAccount.count({ where: { userId: user.id } }), 1)
  })

  test('the mapped Saleor plugin id names the first provider; an unknown one is NOT_FOUND', async () => {
    const saleor = await authorizationUrl('mirumee.authentication.openidconnect')
    assert.deepEqual(saleor.errors, [])
    assert.ok(JSON.parse(saleor.authenticationData!).authorizationUrl.startsWith(`${op.issuer}/`))
    const unknown = await authorizationUrl('nobody')
    assert.deepEqual(
      unknown.errors.map(e => [e.field, e.code]),
      [['pluginId', 'NOT_FOUND']],
    )
  })

  test('a redirectUri off ALLOWED_CLIENT_HOSTS is refused, and no challenge is stored', async () => {
    const before = await server.context.prisma.authChallenge.count({ where: { purpose: 'EXTERNAL_SIGN_IN' } })
    const res = await authorizationUrl('idp', 'https://evil.example/callback')
    assert.deepEqual(
      res.errors.map(e => [e.field, e.code]),
      [['redirectUri', 'INVALID']],
    )
    assert.equal(res.authenticationData, null)
    assert.equal(await server.context.prisma.authChallenge.count({ where: { purpose: 'EXTERNAL_SIGN_IN' } }), before)
  })

  test('the authorization URL asks for a code with PKCE (S256), a state and a nonce; the verifier and nonce are stored sealed', async () => {
    const { authenticationData } = await authorizationUrl()
    const url = new URL(JSON.parse(authenticationData!).authorizationUrl)
    assert.equal(url.searchParams.get('response_type'), 'code')
    assert.equal(url.searchParams.get('code_challenge_method'), 'S256')
    assert.equal(url.searchParams.get('redirect_uri'), REDIRECT)
    const nonce = url.searchParams.get('nonce')!
    assert.ok(nonce.length >= 32 && url.searchParams.get('state')!.length >= 40)
    const row = await server.context.prisma.authChallenge.findFirstOrThrow({
      where: { purpose: 'EXTERNAL_SIGN_IN' },
      orderBy: { createdAt: 'desc' },
    })
    assert.equal(JSON.stringify(row.payload).includes(nonce), false)
    assert.equal(Math.round((row.expiresAt.getTime() - row.createdAt.getTime()) / 1000), 300)
  })
})

describe('linking', () => {
  test('a new email the provider has not verified makes an unconfirmed customer, mailed its confirmation link, who cannot sign in yet', async () => {
    const { subject, email } = newSubject({ email_verified: false })
    const back = await startSignIn(subject)
    const payload = await obtain(back)
    assert.deepEqual(codes(payload), ['ACCOUNT_NOT_CONFIRMED'])
    assert.equal(payload.token, null)
    const user = await server.context.prisma.user.findUniqueOrThrow({ where: { email } })
    assert.equal(user.isConfirmed, false)
    const mail = await mailbox.next(email)
    assert.match(mail.subject, /confirm/i)
  })

  test('an existing account is linked only when the provider verified its email', async () => {
    // given
    const customer = await makeCustomer(server.context)
    const unverified = newSubject({ email: customer.email, email_verified: false })
    // when
    const refused = await obtain(await startSignIn(unverified.subject))
    // then: the answer a new unverified email gets (it does not tell the email is registered)
    assert.deepEqual(codes(refused), ['ACCOUNT_NOT_CONFIRMED'])
    assert.equal(await server.context.prisma.externalAccount.count({ where: { userId: customer.id } }), 0)

    // when: verified
    const verified = newSubject({ email: customer.email, email_verified: true })
    const linked = await obtain(await startSignIn(verified.subject))
    // then
    assert.deepEqual(linked.errors, [])
    assert.equal(linked.user.id, customer.id)
    assert.equal(await server.context.prisma.externalAccount.count({ where: { userId: customer.id } }), 1)
  })

  test('a staff account is never linked through a provider without a staff section', async () => {
    const staff = await makeStaff(server.context, ['MANAGE_USERS'])
    const { subject } = newSubject({ email: staff.email, email_verified: true })
    const before = await counts()
    const payload = await obtain(await startSignIn(subject))
    assert.deepEqual(codes(payload), ['INVALID_CREDENTIALS'])
    assert.equal(payload.token, null)
    assert.deepEqual(await counts(), before)
  })

  test('an email that changes at the provider does not move the link: the subject decides', async () => {
    // given
    const { subject } = newSubject()
    const first = await obtain(await startSignIn(subject))
    const other = await makeCustomer(server.context)
    // when: the provider now says the other account's email, verified
    op.setAccount(subject, { email: other.email, email_verified: true })
    const second = await obtain(await startSignIn(subject))
    // then
    assert.deepEqual(second.errors, [])
    assert.equal(second.user.id, first.user.id)
    assert.equal(await server.context.prisma.externalAccount.count({ where: { userId: other.id } }), 0)
  })
})

describe('forged, replayed or mismatched answers are refused with nothing created', () => {
  async function refusedWithNothingCreated(run: () => Promise<any>) {
    const before = await counts()
    const sessions = await server.context.prisma.authSession.count()
    const payload = await run()
    assert.deepEqual(codes(payload), ['INVALID_CREDENTIALS'], JSON.stringify(payload))
    assert.equal(payload.token, null)
    assert.deepEqual(await counts(), before)
    assert.equal(await server.context.prisma.authSession.count(), sessions)
  }

  test('a state from another request', async () => {
    const { subject } = newSubject()
    const mine = await startSignIn(subject)
    const { authenticationData } = await authorizationUrl()
    const otherState = new URL(JSON.parse(authenticationData!).authorizationUrl).searchParams.get('state')!
    await refusedWithNothingCreated(() => obtain({ code: mine.code, state: otherState }))
  })

  test('a state nobody issued', async () => {
    const { subject } = newSubject()
    const mine = await startSignIn(subject)
    await refusedWithNothingCreated(() => obtain({ code: mine.code, state: 'A'.repeat(43) }))
  })

  test('a replayed code (with its spent state, or with a fresh one)', async () => {
    const { subject } = newSubject()
    const back = await startSignIn(subject)
    assert.deepEqual((await obtain(back)).errors, [])
    await refusedWithNothingCreated(() => obtain(back))
    const { authenticationData } = await authorizationUrl()
    const fresh = new URL(JSON.parse(authenticationData!).authorizationUrl).searchParams.get('state')!
    await refusedWithNothingCreated(() => obtain({ code: back.code, state: fresh }))
  })

  const forgeries: [string, Parameters<TestOidcProvider['tamperIdToken']>[0]][] = [
    ['a wrong nonce', (claims, sign) => sign({ ...claims, nonce: 'not-the-nonce-of-this-sign-in' })],
    ['an ID token from another issuer', (claims, sign) => sign({ ...claims, iss: 'https://other-issuer.example' })],
    ['an ID token for another client', (claims, sign) => sign({ ...claims, aud: 'another-client' })],
    [
      'an expired ID token',
      (claims, sign) => {
        const now = Math.floor(Date.now() / 1000)
        return sign({ ...claims, iat: now - 3600, exp: now - 1800 })
      },
    ],
    ['an ID token signed with a key the provider does not publish', (claims, sign) => sign(claims, 'unknown')],
  ]
  for (const [what, forgery] of forgeries) {
    test(what, async () => {
      const { subject } = newSubject()
      const back = await startSignIn(subject)
      op.tamperIdToken(forgery)
      try {
        await refusedWithNothingCreated(() => obtain(back))
      } finally {
        op.tamperIdToken(undefined)
      }
    })
  }
})

describe('a provider that is down', () => {
  test('externalAuthenticationUrl answers EXTERNAL_PROVIDER_UNAVAILABLE and stores nothing', async () => {
    const before = await server.context.prisma.authChallenge.count({ where: { purpose: 'EXTERNAL_SIGN_IN' } })
    const res = await authorizationUrl('down')
    assert.deepEqual(
      res.errors.map(e => e.code),
      ['EXTERNAL_PROVIDER_UNAVAILABLE'],
    )
    assert.equal(res.authenticationData, null)
    assert.equal(await server.context.prisma.authChallenge.count({ where: { purpose: 'EXTERNAL_SIGN_IN' } }), before)
  })

  test('a provider that goes down between the redirect and the code answers EXTERNAL_PROVIDER_UNAVAILABLE, nothing created', async () => {
    // given: a sign-in under way at the flaky provider
    flaky.setAccount('halfway', { email: 'halfway@shopper.example', email_verified: true })
    const { authenticationData } = await authorizationUrl('flaky')
    const back = await flaky.authorize(JSON.parse(authenticationData!).authorizationUrl, 'halfway')
    const before = await counts()
    // when: the provider is down as the code is exchanged
    await flaky.stop()
    const payload = await obtain({ code: back.code, state: back.state }, 'flaky')
    // then
    assert.deepEqual(codes(payload), ['EXTERNAL_PROVIDER_UNAVAILABLE'])
    assert.equal(payload.token, null)
    assert.deepEqual(await counts(), before)
  })
})

describe('a second factor', () => {
  test('a user with TOTP and no second factor asserted by the provider gets MFA_REQUIRED; tokenCreateMfa finishes it (no password needed)', async () => {
    // given: a provider-only account (no password) with TOTP on
    const { subject, email } = newSubject()
    assert.deepEqual((await obtain(await startSignIn(subject))).errors, [])
    const enrolment = await newTotpEnrolment(email)
    await server.context.prisma.user.update({
      where: { email },
      data: { totpSecret: enrolment.sealed, totpEnabledAt: new Date() },
    })
    // when
    const payload = await obtain(await startSignIn(subject))
    // then
    assert.deepEqual(codes(payload), ['MFA_REQUIRED'])
    assert.equal(payload.token, null)
    assert.equal(typeof payload.mfaChallenge, 'string')
    await awayFromStepEdge()
    const res = await server.gql(
      `mutation($challenge: String!, $code: String!) { tokenCreateMfa(challenge: $challenge, code: $code) { token ${ERRORS} } }`,
      { challenge: payload.mfaChallenge, code: codeFor(enrolment.secret) },
    )
    assert.deepEqual(res.body.data.tokenCreateMfa.errors, [])
    const me = await server.gql(ME, {}, { token: res.body.data.tokenCreateMfa.token })
    assert.equal(me.body.data.me.email, email)
    assert.deepEqual(me.body.data.me.sessions.find((s: any) => s.current).amr, ['otp', 'mfa', 'ext'])
  })

  test("a second factor the provider asserts (amr otp, mfa) needs none here: the session is ext + mfa + the provider's otp", async () => {
    const { subject, email } = newSubject({ amr: ['pwd', 'otp', 'mfa'] })
    assert.deepEqual((await obtain(await startSignIn(subject))).errors, [])
    const enrolment = await newTotpEnrolment(email)
    await server.context.prisma.user.update({
      where: { email },
      data: { totpSecret: enrolment.sealed, totpEnabledAt: new Date() },
    })
    const payload = await obtain(await startSignIn(subject))
    assert.deepEqual(payload.errors, [])
    const me = await server.gql(ME, {}, { token: payload.token })
    assert.deepEqual(me.body.data.me.sessions.find((s: any) => s.current).amr, ['otp', 'mfa', 'ext'])
  })

  // the binding's race (a TOTP turned on between the sign-in's check and its binding) cannot be timed
  // from outside: the binding is called here as the sign-in calls it, with the row it read
  test('a provider sign-in judged on no TOTP does not bind once TOTP was turned on meanwhile; one whose ID token asserted mfa does', async () => {
    const { subject, email } = newSubject({ email_verified: true })
    assert.deepEqual((await obtain(await startSignIn(subject))).errors, [])
    const read = await server.context.prisma.user.findUniqueOrThrow({ where: { email } })
    assert.equal(read.totpEnabledAt, null)
    // meanwhile: TOTP turned on, and the token key moved on (every session ended)
    const enrolment = await newTotpEnrolment(email)
    await server.context.prisma.user.update({
      where: { email },
      data: { totpSecret: enrolment.sealed, totpEnabledAt: new Date(), jwtTokenKey: `moved-${subject}` },
    })
    const identity = { provider: 'idp', subject }
    const context = server.context as never
    const keyBound = async (_tx: unknown, key: string) => key
    await assert.rejects(
      bindExternalSignIn(
        context,
        { id: read.id, jwtTokenKey: read.jwtTokenKey, totpEnabledAt: null },
        identity,
        keyBound,
      ),
      /could not be verified/,
    )
    assert.equal(
      await bindExternalSignIn(context, { id: read.id, jwtTokenKey: read.jwtTokenKey }, identity, keyBound),
      `moved-${subject}`,
    )
  })
})

describe('refresh, verify and logout', () => {
  test('externalRefresh rotates as tokenRefresh does; externalVerify answers the claims; externalLogout the end-session URL', async () => {
    const { subject, email } = newSubject()
    const signedIn = await obtain(await startSignIn(subject))
    const refresh = await server.gql(
      `mutation($input: JSONString!) { externalRefresh(pluginId: "idp", input: $input) { token refreshToken user { email } ${ERRORS} } }`,
      { input: JSON.stringify({ refreshToken: signedIn.refreshToken }) },
    )
    const refreshed = refresh.body.data.externalRefresh
    assert.deepEqual(refreshed.errors, [])
    assert.equal(refreshed.user.email, email)
    assert.notEqual(refreshed.refreshToken, signedIn.refreshToken)
    // the retired refresh token, once its grace is over, is a reuse: here within it, it answers the same session
    const verify = await server.gql(
      `mutation($input: JSONString!) { externalVerify(pluginId: "idp", input: $input) { isValid verifyData user { email } ${ERRORS} } }`,
      { input: JSON.stringify({ token: refreshed.token }) },
    )
    const verified = verify.body.data.externalVerify
    assert.deepEqual([verified.isValid, verified.user.email, verified.errors], [true, email, []])
    assert.equal(JSON.parse(verified.verifyData).email, email)
    const bad = await server.gql(
      `mutation($input: JSONString!) { externalVerify(pluginId: "idp", input: $input) { isValid ${ERRORS} } }`,
      { input: JSON.stringify({ token: 'not a token' }) },
    )
    assert.equal(bad.body.data.externalVerify.isValid, false)
    const logout = await server.gql(
      `mutation($input: JSONString!) { externalLogout(pluginId: "idp", input: $input) { logoutData ${ERRORS} } }`,
      { input: JSON.stringify({ redirectUri: REDIRECT }) },
    )
    const { logoutUrl } = JSON.parse(logout.body.data.externalLogout.logoutData)
    const url = new URL(logoutUrl)
    assert.equal(url.origin, op.issuer)
    assert.equal(url.searchParams.get('post_logout_redirect_uri'), REDIRECT)
  })
})

describe('me { externalAccounts } and externalAccountUnlink', () => {
  const ACCOUNTS = '{ me { externalAccounts { provider subject createdAt } } }'
  const UNLINK = `mutation($provider: String!) { externalAccountUnlink(provider: $provider) { ${ERRORS} } }`

  test('a provider-only account sees its link and cannot unlink its last way in', async () => {
    const { subject } = newSubject()
    const { token } = await obtain(await startSignIn(subject))
    const me = await server.gql(ACCOUNTS, {}, { token })
    assert.deepEqual(
      me.body.data.me.externalAccounts.map((a: any) => [a.provider, a.subject, typeof a.createdAt]),
      [['idp', subject, 'string']],
    )
    const res = await server.gql(UNLINK, { provider: 'idp' }, { token })
    assert.deepEqual(
      res.body.data.externalAccountUnlink.errors.map((e: any) => [e.field, e.code]),
      [['provider', 'LAST_SIGN_IN_METHOD']],
    )
    assert.equal((await server.gql(ACCOUNTS, {}, { token })).body.data.me.externalAccounts.length, 1)
  })

  test('an account with a password unlinks; the provider then signs in no one until linked again; an unknown link is NOT_FOUND', async () => {
    // given: a customer with a password of a proven mailbox, linked through a verified email
    const customer = await makeCustomer(server.context)
    await proveMailbox(server.context, String(customer.id))
    const { subject } = newSubject({ email: customer.email, email_verified: true })
    const { token } = await obtain(await startSignIn(subject))
    // when
    const res = await server.gql(UNLINK, { provider: 'idp' }, { token })
    // then
    assert.deepEqual(res.body.data.externalAccountUnlink.errors, [])
    assert.deepEqual((await server.gql(ACCOUNTS, {}, { token })).body.data.me.externalAccounts, [])
    const again = await server.gql(UNLINK, { provider: 'idp' }, { token })
    assert.deepEqual(
      again.body.data.externalAccountUnlink.errors.map((e: any) => [e.field, e.code]),
      [['provider', 'NOT_FOUND']],
    )
  })

  test('another user’s links are not readable, and an anonymous unlink is refused', async () => {
    const { subject } = newSubject()
    const { user } = await obtain(await startSignIn(subject))
    const otherToken = (await obtain(await startSignIn(newSubject().subject))).token
    const res = await server.gql(
      'query($id: ID!) { user(where: { id: $id }) { externalAccounts { subject } } }',
      { id: user.id },
      { token: otherToken },
    )
    assert.equal(res.body.data?.user ?? null, null)
    const anonymous = await server.gql(UNLINK, { provider: 'idp' })
    assert.equal(anonymous.body.errors?.[0]?.extensions?.code, 'KS_ACCESS_DENIED')
  })
})
