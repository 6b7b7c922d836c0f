// A provider unlinked while a sign-in through it is on its way (a known gap of stop 26's note, the
// twin of passkeyRemovalRace): the sign-in had bound (the identity was still linked) but not yet
// written its session when the unlink ended the provider's sessions, so the session began after
// the sweep and stayed alive; and a sign-in whose linking ran before an unlink committed bound
// after it all the same. On PostgreSQL, where the two run at once: the sign-in is held between its
// bind and its session while the owner unlinks the provider through the API.
import '../helpers/env'
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { databaseSkipReason, startServer, type TestServer } from '../helpers/server'
import { startOidcProvider, type TestOidcProvider } from '../helpers/oidcProvider'
import { PASSWORD, makeCustomer, proveMailbox } from '../helpers/factories'

const REDIRECT = 'http://localhost:4999/account/callback'
const URL_MUTATION = `mutation($input: JSONString!) {
  externalAuthenticationUrl(pluginId: "idp", input: $input) { authenticationData errors { code } } }`
const OBTAIN = `mutation($input: JSONString!) {
  externalObtainAccessTokens(pluginId: "idp", input: $input) { token errors { code } } }`
const TOKEN_CREATE = `mutation($email: String!, $password: String!) {
  tokenCreate(email: $email, password: $password) { token errors { code } } }`
const UNLINK = 'mutation { externalAccountUnlink(provider: "idp") { errors { field code } } }'
const ME = '{ me { id } }'
const REFRESH = `mutation($refreshToken: String) { tokenRefresh(refreshToken: $refreshToken) { token errors { code } } }`

describe('a provider unlinked during a sign-in through it', { skip: databaseSkipReason('postgresql') }, () => {
  let op: TestOidcProvider
  let server: TestServer
  let nextSubject = 1
  before(async () => {
    op = await startOidcProvider({ redirectUris: [REDIRECT] })
    const provider = { id: 'idp', issuer: op.issuer, clientId: op.clientId, clientSecret: op.clientSecret }
    server = await startServer({ database: 'postgresql', env: { OIDC_PROVIDERS: JSON.stringify([provider]) } })
  })
  after(async () => {
    await server?.stop()
    await op?.stop()
  })

  // a customer with a password, its provider linked through a verified email, and a password session of its own
  async function linkedCustomer() {
    const customer = await makeCustomer(server.context)
    await proveMailbox(server.context, String(customer.id))
    const subject = `unlink-race-${process.pid}-${nextSubject++}`
    op.setAccount(subject, { email: customer.email, email_verified: true })
    const url = await server.gql(URL_MUTATION, { input: JSON.stringify({ redirectUri: REDIRECT }) })
    const { authorizationUrl } = JSON.parse(url.body.data.externalAuthenticationUrl.authenticationData)
    const back = await op.authorize(authorizationUrl, subject)
    const linked = await server.gql(OBTAIN, { input: JSON.stringify({ code: back.code, state: back.state }) })
    assert.deepEqual(linked.body.data?.externalObtainAccessTokens?.errors, [], JSON.stringify(linked.body))
    const own = await server.gql(TOKEN_CREATE, { email: customer.email, password: PASSWORD })
    assert.deepEqual(own.body.data.tokenCreate.errors, [])
    // the row the sign-in's linking reads, before the binding
    const row = await server.context.prisma.user.findUniqueOrThrow({ where: { id: String(customer.id) } })
    return { row, subject, token: own.body.data.tokenCreate.token as string }
  }

  test('the session that sign-in begins does not outlive the link', async () => {
    const { bindExternalSignIn } = await import('../../services/identity/externalSignIn')
    const { issueTokens } = await import('../../services/identity/tokens')
    // given: a customer whose provider account was taken over, and who is signed in with its password
    const { row, subject, token } = await linkedCustomer()
    // when: the taken-over identity signs in, and the owner unlinks the provider after that sign-in
    // has bound and before its session exists
    let unlink: Promise<{ body: any }> | undefined
    const taken = await bindExternalSignIn(
      server.context.sudo(),
      { id: row.id, jwtTokenKey: row.jwtTokenKey, totpEnabledAt: row.totpEnabledAt },
      { provider: 'idp', subject },
      async (tx, jwtTokenKey) => {
        unlink = server.gql(UNLINK, {}, { token })
        // long enough for an unlink that does not wait to finish
        await sleep(750)
        const user = { id: row.id, email: row.email, isStaff: row.isStaff, jwtTokenKey }
        return issueTokens(tx, user, { amr: ['ext'], ip: '127.0.0.1', userAgent: 'the taker' })
      },
    )
    const unlinked = await unlink!
    // then: the link is gone, and the taker's tokens are refused
    assert.deepEqual(unlinked.body.data?.externalAccountUnlink?.errors, [], JSON.stringify(unlinked.body))
    assert.equal(await server.context.prisma.externalAccount.count({ where: { userId: row.id } }), 0)
    const theirs = await server.gql(ME, {}, { token: taken.accessToken })
    assert.equal(theirs.body.data?.me ?? null, null, 'a session begun through the unlinked provider is alive')
    const refreshed = await server.gql(REFRESH, { refreshToken: taken.refreshToken })
    assert.equal(refreshed.body.data?.tokenRefresh?.token ?? null, null, JSON.stringify(refreshed.body))
    // and the owner goes on
    const mine = await server.gql(ME, {}, { token })
    assert.equal(mine.body.data?.me?.id, row.id, JSON.stringify(mine.body))
  })

  test('an unlink that commits between the linking and the binding leaves the sign-in nothing to bind', async () => {
    const { bindExternalSignIn } = await import('../../services/identity/externalSignIn')
    // given: the same customer, its row read by a sign-in's linking
    const { row, subject, token } = await linkedCustomer()
    // when: the owner unlinks, and then the sign-in binds
    const unlinked = await server.gql(UNLINK, {}, { token })
    assert.deepEqual(unlinked.body.data.externalAccountUnlink.errors, [])
    let began = false
    // then: it is refused, and no session begins
    await assert.rejects(
      bindExternalSignIn(
        server.context.sudo(),
        { id: row.id, jwtTokenKey: row.jwtTokenKey, totpEnabledAt: row.totpEnabledAt },
        { provider: 'idp', subject },
        async () => {
          began = true
        },
      ),
      (error: any) => error?.errors?.[0]?.code === 'INVALID_CREDENTIALS',
    )
    assert.equal(began, false)
  })
})
