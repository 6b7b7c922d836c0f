// Attacks on the sessions a passkey leaves behind (issues 19 and 20, third review), black-box over
// HTTP. A test marked "FINDING:" fails while the hole it names exists; "HELD" marks what held.
import '../helpers/env'
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, type TestServer } from '../helpers/server'
import { SoftAuthenticator } from '../helpers/softAuthenticator'
import { DELETE, enrolled, signIn } from '../api/passkeys/passkeyClient'

let server: TestServer

before(async () => {
  server = await startServer()
})
after(async () => {
  await server?.stop()
})

const REFRESH = `mutation($refreshToken: String) {
  tokenRefresh(refreshToken: $refreshToken) { token errors { field code } } }`
const ME = '{ me { id sessions { id current amr } } }'

// FINDING (Low/Medium, a session outlives the credential removed): a user whose phone (passkey A)
// was stolen deletes that passkey (passkeyDelete: "which signs in no more"), yet the session the
// thief signed in with it (amr hwk mfa) stays alive and its refresh token keeps refreshing for the
// session's whole lifetime; an unlinked provider's sessions end (externalAccountUnlink), a removed
// passkey's do not. Cause: services/accounts/passkeys.ts removeOwnPasskey deletes the row and
// records PASSKEY_REMOVED only; fix there, in the same transaction: endSessionsSignedInBy(tx,
// { userId, method: 'hwk', keepSessionId: the caller's session }) as unlinkExternalAccount does.
test("deleting a stolen passkey ends the thief's session signed in with it (access and refresh token)", async () => {
  // given: a customer with two passkeys, A (on the stolen phone) and B (its own laptop)
  const owner = await enrolled(server)
  const laptop = await enrolled(server, owner.user, new SoftAuthenticator())
  // the thief signs in with A, the owner with B
  const thief = await signIn(server, owner.authenticator)
  assert.deepEqual(thief.payload.errors, [])
  const own = await signIn(server, laptop.authenticator)
  assert.deepEqual(own.payload.errors, [])
  // when: the owner, in its B session, deletes A
  const res = await server.gql(DELETE, { id: owner.passkeyId }, { token: own.payload.token })
  assert.deepEqual(res.body.data.passkeyDelete.errors, [])
  // then: the owner goes on
  const mine = await server.gql(ME, {}, { token: own.payload.token })
  assert.equal(mine.body.data?.me?.id, owner.user.id, JSON.stringify(mine.body))
  // and the thief's refresh token and access token are refused
  const refreshed = await server.gql(REFRESH, { refreshToken: thief.payload.refreshToken })
  assert.equal(refreshed.body.data?.tokenRefresh?.token ?? null, null, JSON.stringify(refreshed.body))
  const theirs = await server.gql(ME, {}, { token: thief.payload.token })
  assert.equal(theirs.body.data?.me?.id ?? null, null, JSON.stringify(theirs.body))
})

test('HELD: aliased sessionRevoke of the current session, then passkeyDelete, in one request: the delete is refused', async () => {
  // given: a passkey session
  const owner = await enrolled(server)
  const session = await signIn(server, owner.authenticator)
  const me = await server.gql(ME, {}, { token: session.payload.token })
  const current = me.body.data.me.sessions.find((s: { current: boolean }) => s.current)
  // when: one request ends its own session and then deletes the passkey
  const res = await server.gql(
    `mutation($sid: ID!, $pid: ID!) {
      a: sessionRevoke(id: $sid) { errors { code } }
      b: passkeyDelete(id: $pid) { errors { code } }
    }`,
    { sid: current.id, pid: owner.passkeyId },
    { token: session.payload.token },
  )
  // then: the passkey is still there
  assert.deepEqual(res.body.data?.a?.errors, [], JSON.stringify(res.body))
  const left = await server.context.prisma.passkeyCredential.count({ where: { id: owner.passkeyId } })
  assert.equal(left, 1, JSON.stringify(res.body))
})
