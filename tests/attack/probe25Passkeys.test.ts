// Attacks on the sessions a passkey leaves behind (issues 19 and 20, third review), black-box over
// HTTP. A test marked "FINDING:" fails while the hole it names exists; "HELD" marks what held.
import '../helpers/env'
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, type TestServer } from '../helpers/server'
import { SoftAuthenticator } from '../helpers/softAuthenticator'
import { PASSWORD } from '../helpers/factories'
import { DELETE, MY_PASSKEYS, REGISTER, enrolled, registrationOptions, signIn } from '../api/passkeys/passkeyClient'

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

// FINDING (Medium, the second-factor rule sidestepped): a password-only session may not add a
// passkey to an account that holds one (assertMayAddSecondFactor, the first review's fix), but it
// may delete the account's passkeys (passkeyDelete asks for no second factor), after which the
// account holds none and the same session registers the thief's own: a credential that counts as
// two factors (amr hwk mfa), needs no password and survives the owner's password reset. Cause:
// services/accounts/passkeys.ts removeOwnPasskey (through mutations/account/passkeyDelete.ts)
// checks only requireSignInSession; fix there: a passkey is removed only in a session that proved
// a second factor (amr mfa) while the account holds one, as accountTotpDisable asks for a code
// (a user who lost its only one is helped by the staff reset).
test("a password-only session cannot swap the owner's passkey for its own by deleting it first", async () => {
  // given: a customer with a passkey; the thief has its password only
  const owner = await enrolled(server)
  const stolen = await server.gql(
    `mutation($email: String!, $password: String!) { tokenCreate(email: $email, password: $password) { token errors { code } } }`,
    { email: owner.user.email, password: PASSWORD },
  )
  const token = stolen.body.data.tokenCreate.token
  assert.ok(token, JSON.stringify(stolen.body))
  // when: the password session deletes every passkey of the account, then registers its own
  const mine = await server.gql(MY_PASSKEYS, {}, { token })
  for (const passkey of mine.body.data.me.passkeys) await server.gql(DELETE, { id: passkey.id }, { token })
  const thief = new SoftAuthenticator()
  let registered = false
  try {
    const options = await registrationOptions(server, token)
    const res = await server.gql(REGISTER, { response: thief.register(options) }, { token })
    registered = res.body.data?.passkeyRegister?.errors?.length === 0
  } catch {
    registered = false
  }
  // then: the thief holds no passkey that signs in as two factors
  if (registered) {
    const { payload } = await signIn(server, thief)
    const left = await server.context.prisma.passkeyCredential.count({ where: { id: owner.passkeyId } })
    assert.fail(
      `a password-only session deleted ${left ? 'no' : "the owner's"} passkey and registered its own, ` +
        `which signs in as ${payload?.user?.email ?? '?'} (errors ${JSON.stringify(payload?.errors)}), amr hwk mfa`,
    )
  }
})
