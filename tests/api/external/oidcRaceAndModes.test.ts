// Two (or more) first sign-ins of one new subject at once make one user, on every database
// (PostgreSQL runs them side by side: the losers meet the identity's unique key and read the
// winner's link); and a shop with PASSWORD_LOGIN_MODE=DISABLED runs provider-only accounts.
import '../../helpers/env'
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { TEST_DATABASES, databaseSkipReason, startServer, type TestServer } from '../../helpers/server'
import { startOidcProvider, type TestOidcProvider } from '../../helpers/oidcProvider'
import { makeCustomer } from '../../helpers/factories'

const REDIRECT = 'http://localhost:4999/account/callback'
const ERRORS = 'errors { field code }'
const URL_MUTATION = `mutation($input: JSONString!) {
  externalAuthenticationUrl(pluginId: "idp", input: $input) { authenticationData ${ERRORS} } }`
const OBTAIN = `mutation($input: JSONString!) {
  externalObtainAccessTokens(pluginId: "idp", input: $input) { token user { id email } ${ERRORS} } }`
const AT_ONCE = 6

async function signInPair(server: TestServer, op: TestOidcProvider, subject: string) {
  const res = await server.gql(URL_MUTATION, { input: JSON.stringify({ redirectUri: REDIRECT }) })
  const { authorizationUrl } = JSON.parse(res.body.data.externalAuthenticationUrl.authenticationData)
  return op.authorize(authorizationUrl, subject)
}

async function obtain(server: TestServer, back: { code: string; state: string }) {
  const res = await server.gql(OBTAIN, { input: JSON.stringify({ code: back.code, state: back.state }) })
  assert.ok(res.body.data?.externalObtainAccessTokens, JSON.stringify(res.body))
  return res.body.data.externalObtainAccessTokens
}

for (const database of TEST_DATABASES) {
  describe(`first sign-ins at once on ${database}`, { skip: databaseSkipReason(database) }, () => {
    let op: TestOidcProvider
    let server: TestServer
    before(async () => {
      op = await startOidcProvider({ redirectUris: [REDIRECT] })
      const provider = { id: 'idp', issuer: op.issuer, clientId: op.clientId, clientSecret: op.clientSecret }
      server = await startServer({ database, env: { OIDC_PROVIDERS: JSON.stringify([provider]) } })
    })
    after(async () => {
      await server?.stop()
      await op?.stop()
    })

    test(`${AT_ONCE} first sign-ins of one new subject at once make one user, and every one signs in as it`, async () => {
      // given
      const subject = `racer-${database}`
      const email = `${subject}@shopper.example`
      op.setAccount(subject, { email, email_verified: true })
      const answers = []
      for (let i = 0; i < AT_ONCE; i++) answers.push(await signInPair(server, op, subject))
      // when
      const payloads = await Promise.all(answers.map(back => obtain(server, back)))
      // then
      assert.deepEqual(
        payloads.map(p => p.errors),
        payloads.map(() => []),
      )
      const users = await server.context.prisma.user.findMany({ where: { email } })
      assert.equal(users.length, 1)
      assert.deepEqual(new Set(payloads.map(p => p.user.id)), new Set([users[0]!.id]))
      assert.equal(await server.context.prisma.externalAccount.count(), 1)
      assert.equal(await server.context.prisma.accountEvent.count({ where: { type: 'ACCOUNT_CREATED' } }), 1)
    })
  })
}

describe('PASSWORD_LOGIN_MODE=DISABLED', () => {
  let op: TestOidcProvider
  let server: TestServer
  before(async () => {
    op = await startOidcProvider({ redirectUris: [REDIRECT] })
    const provider = { id: 'idp', issuer: op.issuer, clientId: op.clientId, clientSecret: op.clientSecret }
    server = await startServer({
      env: { OIDC_PROVIDERS: JSON.stringify([provider]), PASSWORD_LOGIN_MODE: 'DISABLED' },
    })
  })
  after(async () => {
    await server?.stop()
    await op?.stop()
  })

  test('a provider sign-in still works: the shop runs provider-only accounts', async () => {
    op.setAccount('only-provider', { email: 'only-provider@shopper.example', email_verified: true })
    const payload = await obtain(server, await signInPair(server, op, 'only-provider'))
    assert.deepEqual(payload.errors, [])
    assert.equal(payload.user.email, 'only-provider@shopper.example')
    const me = await server.gql('{ me { email } }', {}, { token: payload.token })
    assert.equal(me.body.data.me.email, 'only-provider@shopper.example')
  })
})

describe('externalAccountUnlink under PASSWORD_LOGIN_MODE=DISABLED', () => {
  let op: TestOidcProvider
  let server: TestServer
  before(async () => {
    op = await startOidcProvider({ redirectUris: [REDIRECT] })
    const provider = { id: 'idp', issuer: op.issuer, clientId: op.clientId, clientSecret: op.clientSecret }
    server = await startServer({ env: { OIDC_PROVIDERS: JSON.stringify([provider]), PASSWORD_LOGIN_MODE: 'DISABLED' } })
  })
  after(async () => {
    await server?.stop()
    await op?.stop()
  })

  test('a password that cannot sign in is no other way in: the last link stays', async () => {
    const customer = await makeCustomer(server.context)
    op.setAccount('with-password', { email: customer.email, email_verified: true })
    const { token } = await obtain(server, await signInPair(server, op, 'with-password'))
    const res = await server.gql(
      'mutation { externalAccountUnlink(provider: "idp") { errors { field code } } }',
      {},
      { token },
    )
    assert.deepEqual(res.body.data.externalAccountUnlink.errors, [{ field: 'provider', code: 'LAST_SIGN_IN_METHOD' }])
  })
})
