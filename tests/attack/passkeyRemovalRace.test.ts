// A passkey removed while a sign-in with it is on its way (issue 20; a known gap of stop 25's note):
// the sign-in had bound (the passkey was still there) but not yet written its session when the
// removal ended the passkey's sessions, so the thief's session began after the sweep and stayed
// alive. On PostgreSQL, where the two run at once: the sign-in is held between its bind and its
// session while the owner removes the passkey through the API.
import '../helpers/env'
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { databaseSkipReason, startServer, type TestServer } from '../helpers/server'
import { SoftAuthenticator } from '../helpers/softAuthenticator'
import { DELETE, authenticationOptions, enrolled, signIn } from '../api/passkeys/passkeyClient'

const ME = '{ me { id } }'
const REFRESH = `mutation($refreshToken: String) { tokenRefresh(refreshToken: $refreshToken) { token errors { code } } }`

describe('a passkey removed during a sign-in with it', { skip: databaseSkipReason('postgresql') }, () => {
  let server: TestServer
  before(async () => {
    server = await startServer({ database: 'postgresql' })
  })
  after(async () => {
    await server?.stop()
  })

  test('the session that sign-in begins does not outlive the passkey', async () => {
    const { verifyPasskeySignIn } = await import('../../services/identity/passkeys')
    const { issueTokens } = await import('../../services/identity/tokens')
    // given: a customer with two passkeys, the stolen phone's and its own laptop's, signed in with the laptop's
    const phone = await enrolled(server)
    const laptop = await enrolled(server, phone.user, new SoftAuthenticator())
    const own = await signIn(server, laptop.authenticator)
    assert.deepEqual(own.payload.errors, [])
    // when: the thief signs in with the phone's passkey, and the owner removes it after that sign-in
    // has proved the passkey and before its session exists
    const response = phone.authenticator.assert(await authenticationOptions(server))
    let removal: Promise<{ body: any }> | undefined
    const thief = await verifyPasskeySignIn(server.context.sudo(), { response }, async (tx, { user, amr }) => {
      removal = server.gql(DELETE, { id: phone.passkeyId }, { token: own.payload.token })
      // long enough for a removal that does not wait to finish
      await sleep(750)
      return issueTokens(tx, user, { amr, ip: '127.0.0.1', userAgent: 'the thief' })
    })
    const removed = await removal!
    // then: the passkey is gone, and the thief's tokens are refused
    assert.deepEqual(removed.body.data?.passkeyDelete?.errors, [], JSON.stringify(removed.body))
    assert.equal(await server.context.prisma.passkeyCredential.count({ where: { id: phone.passkeyId } }), 0)
    const theirs = await server.gql(ME, {}, { token: thief.accessToken })
    assert.equal(theirs.body.data?.me ?? null, null, 'a session begun with the removed passkey is alive')
    const refreshed = await server.gql(REFRESH, { refreshToken: thief.refreshToken })
    assert.equal(refreshed.body.data?.tokenRefresh?.token ?? null, null, JSON.stringify(refreshed.body))
    // and the owner goes on
    const mine = await server.gql(ME, {}, { token: own.payload.token })
    assert.equal(mine.body.data?.me?.id, phone.user.id, JSON.stringify(mine.body))
  })

  test('a removal that commits first leaves the sign-in nothing to bind', async () => {
    const { verifyPasskeySignIn } = await import('../../services/identity/passkeys')
    // given: the same customer, and an assertion of the phone's passkey made before the removal
    const phone = await enrolled(server)
    const laptop = await enrolled(server, phone.user, new SoftAuthenticator())
    const own = await signIn(server, laptop.authenticator)
    const response = phone.authenticator.assert(await authenticationOptions(server))
    // when: the passkey is removed, and then the assertion is presented
    const removed = await server.gql(DELETE, { id: phone.passkeyId }, { token: own.payload.token })
    assert.deepEqual(removed.body.data?.passkeyDelete?.errors, [])
    let began = false
    // then: it is refused, and no session begins
    await assert.rejects(
      verifyPasskeySignIn(server.context.sudo(), { response }, async () => {
        began = true
      }),
      (error: any) => error?.errors?.[0]?.code === 'INVALID_CREDENTIALS',
    )
    assert.equal(began, false)
  })
})
