// passkeyAuthenticationOptions and tokenCreateWithPasskey: signing in with a passkey and no
// password, with an email or without one (a discoverable credential); the session counts two
// factors (amr hwk + mfa). A response for another origin, RP id or challenge, a replayed assertion,
// a counter that went backwards, a deleted user's passkey and an unknown credential are each
// INVALID_CREDENTIALS and make no session; an email's options tell nothing about the email.
import '../../helpers/env'
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { startServer, type TestServer } from '../../helpers/server'
import { makeCustomer, makeStaff } from '../../helpers/factories'
import { tokenFor } from '../../helpers/actors'
import { SoftAuthenticator } from '../../helpers/softAuthenticator'
import {
  DELETE,
  SIGN_IN,
  authenticationOptions,
  enrolled,
  registrationOptions,
  sessionCount,
  signIn,
} from './passkeyClient'

let server: TestServer

before(async () => {
  server = await startServer()
})
after(async () => {
  await server?.stop()
})

const INVALID = [{ field: 'response', code: 'INVALID_CREDENTIALS', message: 'Please, enter valid credentials' }]

async function assertRefused(userId: string, payload: any, sessionsBefore: number) {
  assert.deepEqual(payload.errors, INVALID)
  assert.equal(payload.token, null)
  assert.equal(payload.refreshToken, null)
  assert.equal(await sessionCount(server, userId), sessionsBefore)
}

test('a passkey signs in without an email: tokens, a session with amr hwk + mfa, the counter and lastUsedAt recorded', async () => {
  // given
  const { user, authenticator, passkeyId } = await enrolled(server)
  // when
  const { res, payload } = await signIn(server, authenticator)
  // then
  assert.deepEqual(payload.errors, [])
  assert.equal(payload.user.id, user.id)
  assert.ok(payload.refreshToken && payload.csrfToken)
  assert.match(String(res.headers.get('set-cookie')), /refreshToken=/)
  const me = await server.gql(
    '{ me { id sessions { current amr } passkeys { id lastUsedAt } } }',
    {},
    { token: payload.token },
  )
  assert.equal(me.body.data.me.id, user.id)
  const current = me.body.data.me.sessions.find((s: { current: boolean }) => s.current)
  assert.deepEqual(current.amr, ['hwk', 'mfa'])
  assert.ok(me.body.data.me.passkeys[0].lastUsedAt)
  const row = await server.context.prisma.passkeyCredential.findUniqueOrThrow({ where: { id: passkeyId } })
  assert.equal(row.counter, 1)
})

test('a passkey signs in with its email, and a user with no password signs in too', async () => {
  // given: an account with no password at all
  const passwordless = await makeCustomer(server.context)
  const { user, authenticator } = await enrolled(server, passwordless)
  await server.context.prisma.user.update({ where: { id: user.id }, data: { password: null } })
  // when
  const { payload } = await signIn(server, authenticator, {}, user.email.toUpperCase())
  // then
  assert.deepEqual(payload.errors, [])
  assert.equal(payload.user.id, user.id)
  const me = await server.gql('{ me { id } }', {}, { token: payload.token })
  assert.equal(me.body.data.me.id, user.id)
})

test("options for an email answer only that email's passkeys: another user's passkey is refused", async () => {
  // given
  const owner = await enrolled(server)
  const other = await enrolled(server)
  const before = await sessionCount(server, other.user.id)
  // when: the owner's email, the other user's passkey
  const { payload } = await signIn(server, other.authenticator, {}, owner.user.email)
  // then
  await assertRefused(other.user.id, payload, before)
})

test('options for an unknown email answer no passkey at all', async () => {
  // given
  const { user, authenticator } = await enrolled(server)
  const before = await sessionCount(server, user.id)
  // when
  const { payload } = await signIn(server, authenticator, {}, 'nobody-here@example.com')
  // then
  await assertRefused(user.id, payload, before)
})

test('options for a registered and an unknown email, and for none, cannot be told apart', async () => {
  // given
  const { user } = await enrolled(server)
  await enrolled(server, user) // two passkeys
  // when
  const known = await authenticationOptions(server, user.email)
  const unknown = await authenticationOptions(server, 'nobody-at-all@example.com')
  const none = await authenticationOptions(server)
  // then: the same keys and values but the challenge, a fresh one of the same form each time
  const shape = (options: Record<string, unknown>) => ({ ...options, challenge: typeof options.challenge })
  assert.deepEqual(shape(known), shape(unknown))
  assert.deepEqual(shape(known), shape(none))
  assert.deepEqual(known.allowCredentials, [])
  assert.equal(known.rpId, 'identity.test')
  assert.equal(known.userVerification, 'required')
  for (const options of [known, unknown, none]) assert.match(options.challenge, /^[A-Za-z0-9_-]{43}$/)
  assert.equal(new Set([known.challenge, unknown.challenge, none.challenge]).size, 3)
})

test('a response for another origin, another RP id, another challenge, or without user verification is INVALID_CREDENTIALS and makes no session', async () => {
  // given
  const { user, authenticator, passkeyId } = await enrolled(server)
  const before = await sessionCount(server, user.id)
  for (const knobs of [
    { origin: 'http://evil.test' },
    { origin: 'https://identity.test' },
    { rpId: 'evil.test' },
    { challenge: Buffer.alloc(32, 9).toString('base64url') },
    { userVerified: false },
    { type: 'webauthn.create' },
  ]) {
    // when
    const { payload } = await signIn(server, authenticator, knobs)
    // then
    await assertRefused(user.id, payload, before)
  }
  const row = await server.context.prisma.passkeyCredential.findUniqueOrThrow({ where: { id: passkeyId } })
  assert.equal(row.counter, 0)
  assert.equal(row.lastUsedAt, null)
})

test('a replayed assertion (the same response twice) signs in once', async () => {
  // given
  const { user, authenticator } = await enrolled(server)
  const first = await signIn(server, authenticator)
  assert.deepEqual(first.payload.errors, [])
  const before = await sessionCount(server, user.id)
  // when
  const replay = await server.gql(SIGN_IN, { response: first.response })
  // then
  await assertRefused(user.id, replay.body.data.tokenCreateWithPasskey, before)
})

test('a replayed assertion of an authenticator that keeps no counter signs in once: its challenge went with the first', async () => {
  // given: the counter proves nothing here (always 0); the spent challenge does
  const { user, authenticator } = await enrolled(server, undefined, new SoftAuthenticator({ keepsCounter: false }))
  const first = await signIn(server, authenticator)
  assert.deepEqual(first.payload.errors, [])
  const before = await sessionCount(server, user.id)
  // when
  const replay = await server.gql(SIGN_IN, { response: first.response })
  // then
  await assertRefused(user.id, replay.body.data.tokenCreateWithPasskey, before)
})

test('two copies of one assertion sent at once sign in once', async () => {
  // given
  const { user, authenticator } = await enrolled(server)
  const options = await authenticationOptions(server)
  const response = authenticator.assert(options)
  // when
  const answers = await Promise.all([1, 2, 3].map(() => server.gql(SIGN_IN, { response })))
  // then
  const succeeded = answers.filter(a => a.body.data.tokenCreateWithPasskey.errors.length === 0)
  assert.equal(succeeded.length, 1)
  assert.equal(await sessionCount(server, user.id), 1 + 1) // the enrolment's own session and this one
})

test('a signature counter that went backwards, or stayed, is INVALID_CREDENTIALS and changes nothing', async () => {
  // given: the stored counter is 5
  const { user, authenticator, passkeyId } = await enrolled(server)
  assert.deepEqual((await signIn(server, authenticator, { counter: 5 })).payload.errors, [])
  const before = await sessionCount(server, user.id)
  for (const counter of [4, 5]) {
    // when
    const { payload } = await signIn(server, authenticator, { counter })
    // then
    await assertRefused(user.id, payload, before)
  }
  const row = await server.context.prisma.passkeyCredential.findUniqueOrThrow({ where: { id: passkeyId } })
  assert.equal(row.counter, 5)
  // and a counter that moved on signs in
  assert.deepEqual((await signIn(server, authenticator, { counter: 6 })).payload.errors, [])
})

test('an authenticator that keeps no counter (always 0) signs in again and again', async () => {
  const { authenticator } = await enrolled(server, undefined, new SoftAuthenticator({ keepsCounter: false }))
  assert.deepEqual((await signIn(server, authenticator)).payload.errors, [])
  assert.deepEqual((await signIn(server, authenticator)).payload.errors, [])
})

test("a deleted user's passkey is INVALID_CREDENTIALS, and the deletion took its passkeys", async () => {
  // given
  const { user, authenticator } = await enrolled(server)
  // deleted as staff delete a customer (services/users/removal.ts, every path's one removal)
  const staff = await makeStaff(server.context, ['MANAGE_USERS'])
  const removed = await server.gql(
    'mutation($id: ID!) { customerDelete(id: $id) { errors { code } } }',
    { id: user.id },
    { token: await tokenFor(server.context, staff.id) },
  )
  assert.deepEqual(removed.body.data.customerDelete.errors, [])
  assert.equal(
    await server.context.prisma.passkeyCredential.count({ where: { credentialId: authenticator.credentialId } }),
    0,
  )
  // when
  const { payload } = await signIn(server, authenticator)
  // then
  assert.deepEqual(payload.errors, INVALID)
  assert.equal(payload.token, null)
})

test('an unknown credential, a malformed response and an unknown challenge are INVALID_CREDENTIALS', async () => {
  // given
  const { user } = await enrolled(server)
  const stranger = new SoftAuthenticator()
  stranger.userHandle = Buffer.from(user.id).toString('base64url')
  // when
  const unknown = await signIn(server, stranger)
  // then
  assert.deepEqual(unknown.payload.errors, INVALID)
  for (const response of [{}, 'text', 42, { id: 'x', rawId: 'x', type: 'public-key', response: {} }]) {
    const res = await server.gql(SIGN_IN, { response })
    assert.deepEqual(res.body.data.tokenCreateWithPasskey.errors, INVALID, JSON.stringify(response))
  }
  assert.equal(await sessionCount(server, user.id), 1)
})

test('a sign-in challenge past its 5 minutes is INVALID_CREDENTIALS', async () => {
  // given
  const { user, authenticator } = await enrolled(server)
  const options = await authenticationOptions(server)
  await server.context.prisma.authChallenge.updateMany({
    where: { challengeHash: createHash('sha256').update(options.challenge).digest('hex') },
    data: { expiresAt: new Date(Date.now() - 1000) },
  })
  const before = await sessionCount(server, user.id)
  // when
  const res = await server.gql(SIGN_IN, { response: authenticator.assert(options) })
  // then
  await assertRefused(user.id, res.body.data.tokenCreateWithPasskey, before)
})

test("a registration challenge does not sign in, nor a sign-in response with another user's user handle", async () => {
  // given
  const { user, authenticator } = await enrolled(server)
  const other = await makeCustomer(server.context)
  const creation = await registrationOptions(server, await tokenFor(server.context, user.id, ['hwk', 'mfa']))
  const before = await sessionCount(server, user.id)
  // when: answered with a registration challenge
  const wrongPurpose = await server.gql(SIGN_IN, {
    response: authenticator.assert({ challenge: creation.challenge, rpId: 'identity.test' }),
  })
  // when: a user handle naming someone else
  authenticator.userHandle = Buffer.from(other.id).toString('base64url')
  const wrongHandle = await signIn(server, authenticator)
  // then
  await assertRefused(user.id, wrongPurpose.body.data.tokenCreateWithPasskey, before)
  await assertRefused(user.id, wrongHandle.payload, before)
})

test('an inactive account with a good passkey is told INACTIVE, and gets no session', async () => {
  const { user, authenticator } = await enrolled(server)
  await server.context.prisma.user.update({ where: { id: user.id }, data: { isActive: false } })
  const before = await sessionCount(server, user.id)
  const { payload } = await signIn(server, authenticator)
  assert.deepEqual(
    payload.errors.map((e: { code: string }) => e.code),
    ['INACTIVE'],
  )
  assert.equal(payload.token, null)
  assert.equal(await sessionCount(server, user.id), before)
})

test('a passkey sign-in after sign-out everywhere begins a live session and brings no ended one back', async () => {
  // given: a session, then every token of the user ended
  const { user, token, authenticator } = await enrolled(server)
  const ended = await server.gql('mutation { tokensDeactivateAll { errors { code } } }', {}, { token })
  assert.deepEqual(ended.body.data.tokensDeactivateAll.errors, [])
  // when
  const { payload } = await signIn(server, authenticator)
  // then
  assert.deepEqual(payload.errors, [])
  const mine = await server.gql('{ me { id } }', {}, { token: payload.token })
  assert.equal(mine.body.data.me.id, user.id)
  const old = await server.gql('{ me { id } }', {}, { token })
  assert.equal(old.body.errors?.[0]?.extensions?.code, 'JWT_INVALID_TOKEN')
})

test("removing a passkey ends the sessions it began, and not the sessions of the user's other passkeys", async () => {
  // given: a customer with a passkey on its phone, its laptop and its tablet, signed in with each,
  // and a passkey session from before sessions recorded their passkey
  const phone = await enrolled(server)
  const laptop = await enrolled(server, phone.user, new SoftAuthenticator())
  const tablet = await enrolled(server, phone.user, new SoftAuthenticator())
  const [onPhone, onLaptop, onTablet] = [
    await signIn(server, phone.authenticator),
    await signIn(server, laptop.authenticator),
    await signIn(server, tablet.authenticator),
  ]
  const older = await tokenFor(server.context, phone.user.id, ['hwk', 'mfa'])
  // when: from the laptop, it removes the phone's passkey
  const res = await server.gql(DELETE, { id: phone.passkeyId }, { token: onLaptop.payload.token })
  assert.deepEqual(res.body.data.passkeyDelete.errors, [])
  // then: the phone's session ends, and the one whose passkey is not known; the laptop and the tablet go on
  const me = async (token: string) => (await server.gql('{ me { id } }', {}, { token })).body.data?.me?.id ?? null
  assert.equal(await me(onPhone.payload.token), null)
  assert.equal(await me(older), null)
  assert.equal(await me(onLaptop.payload.token), phone.user.id)
  assert.equal(await me(onTablet.payload.token), phone.user.id)
  // and when it removes the tablet's passkey from the laptop, the tablet's session ends too
  const again = await server.gql(DELETE, { id: tablet.passkeyId }, { token: onLaptop.payload.token })
  assert.deepEqual(again.body.data.passkeyDelete.errors, [])
  assert.equal(await me(onTablet.payload.token), null)
  assert.equal(await me(onLaptop.payload.token), phone.user.id)
})
