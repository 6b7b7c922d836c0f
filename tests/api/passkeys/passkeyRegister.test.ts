// passkeyRegistrationOptions, passkeyRegister, me { passkeys }, passkeyRename, passkeyDelete: a
// signed-in user enrols a soft authenticator through the API and manages its passkeys; challenges
// are spent once and live 5 minutes; another user's passkey is NOT_FOUND; a customer API token
// enrols nothing.
import '../../helpers/env'
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { startServer, type TestServer } from '../../helpers/server'
import { tokenFor } from '../../helpers/actors'
import { makeCustomer, makeStaff } from '../../helpers/factories'
import { SoftAuthenticator } from '../../helpers/softAuthenticator'
import {
  DELETE,
  MY_PASSKEYS,
  REGISTER,
  REGISTRATION_OPTIONS,
  RENAME,
  enrolled,
  registrationOptions,
} from './passkeyClient'

let server: TestServer

before(async () => {
  server = await startServer()
})
after(async () => {
  await server?.stop()
})

test('passkeyRegistrationOptions answers creation options for the relying party and the caller', async () => {
  // given
  const customer = await makeCustomer(server.context)
  const token = await tokenFor(server.context, customer.id)
  // when
  const options = await registrationOptions(server, token)
  // then: the RP is the public URL's host, the user handle our id, the challenge stored only hashed
  assert.deepEqual(options.rp, { name: 'Commerce identity', id: 'identity.test' })
  assert.equal(Buffer.from(options.user.id, 'base64url').toString(), customer.id)
  assert.equal(options.user.name, customer.email)
  assert.equal(options.attestation, 'none')
  assert.equal(options.authenticatorSelection.residentKey, 'required')
  assert.equal(options.authenticatorSelection.userVerification, 'required')
  assert.deepEqual(options.excludeCredentials, [])
  assert.match(options.challenge, /^[A-Za-z0-9_-]{43}$/)
  const stored = await server.context.prisma.authChallenge.findMany({ where: { userId: customer.id } })
  assert.equal(stored.length, 1)
  assert.equal(stored[0]!.purpose, 'PASSKEY_REGISTRATION')
  assert.equal(stored[0]!.challengeHash, createHash('sha256').update(options.challenge).digest('hex'))
})

test('a passkey registers, is listed, renamed and deleted, with its events and a mail', async () => {
  // given
  const { user, token, authenticator, passkeyId } = await enrolled(server)
  // then: listed by me, without its key or credential id
  const listed = await server.gql(MY_PASSKEYS, {}, { token })
  assert.equal(listed.body.data.me.passkeys.length, 1)
  const [passkey] = listed.body.data.me.passkeys
  assert.equal(passkey.id, passkeyId)
  assert.match(passkey.name, /^Passkey \d{4}-\d{2}-\d{2}$/)
  assert.equal(passkey.lastUsedAt, null)
  const row = await server.context.prisma.passkeyCredential.findUniqueOrThrow({ where: { id: passkeyId } })
  assert.equal(row.credentialId, authenticator.credentialId)
  assert.equal(row.userId, user.id)
  assert.equal(row.transports, 'internal')
  assert.equal(row.backedUp, true)
  const mails = await server.context.prisma.outboxMail.findMany({ where: { userId: user.id } })
  assert.deepEqual(
    mails.map(mail => mail.template),
    ['PASSKEY_ADDED'],
  )
  // and another passkey is added only from a session that proved the one held: not a password's
  const refused = await server.gql(REGISTRATION_OPTIONS, {}, { token })
  assert.deepEqual(refused.body.data.passkeyRegistrationOptions.errors, [{ field: null, code: 'MFA_REQUIRED' }])
  // and the next options, from a passkey's session, exclude it
  const options = await registrationOptions(server, await tokenFor(server.context, user.id, ['hwk', 'mfa']))
  assert.deepEqual(
    options.excludeCredentials.map((c: { id: string }) => c.id),
    [authenticator.credentialId],
  )

  // when: renamed (trimmed)
  const renamed = await server.gql(RENAME, { id: passkeyId, name: '  Work laptop  ' }, { token })
  assert.deepEqual(renamed.body.data.passkeyRename.errors, [])
  const afterRename = await server.gql(MY_PASSKEYS, {}, { token })
  assert.equal(afterRename.body.data.me.passkeys[0].name, 'Work laptop')
  // a blank or too long name is refused
  const blank = await server.gql(RENAME, { id: passkeyId, name: '   ' }, { token })
  assert.deepEqual(blank.body.data.passkeyRename.errors, [{ field: 'name', code: 'REQUIRED' }])
  const long = await server.gql(RENAME, { id: passkeyId, name: 'x'.repeat(101) }, { token })
  assert.deepEqual(long.body.data.passkeyRename.errors, [{ field: 'name', code: 'INVALID' }])

  // when: deleted, from a session that proved a second factor; a password's session may not
  const byPassword = await server.gql(DELETE, { id: passkeyId }, { token })
  assert.deepEqual(byPassword.body.data.passkeyDelete.errors, [{ field: null, code: 'MFA_REQUIRED' }])
  const twoFactors = await tokenFor(server.context, user.id, ['hwk', 'mfa'])
  const deleted = await server.gql(DELETE, { id: passkeyId }, { token: twoFactors })
  assert.deepEqual(deleted.body.data.passkeyDelete.errors, [])
  const afterDelete = await server.gql(MY_PASSKEYS, {}, { token: twoFactors })
  assert.deepEqual(afterDelete.body.data.me.passkeys, [])
  const again = await server.gql(DELETE, { id: passkeyId }, { token: twoFactors })
  assert.deepEqual(again.body.data.passkeyDelete.errors, [{ field: 'id', code: 'NOT_FOUND' }])
  const events = await server.context.prisma.accountEvent.findMany({
    where: { userId: user.id, type: { in: ['PASSKEY_ADDED', 'PASSKEY_REMOVED'] } },
    orderBy: { date: 'asc' },
  })
  assert.deepEqual(
    events.map(event => event.type),
    ['PASSKEY_ADDED', 'PASSKEY_REMOVED'],
  )
})

test('passkeyRegister takes a name, trimmed, and refuses a blank or too long one before spending the challenge', async () => {
  // given
  const customer = await makeCustomer(server.context)
  const token = await tokenFor(server.context, customer.id)
  const authenticator = new SoftAuthenticator()
  const options = await registrationOptions(server, token)
  const response = authenticator.register(options)
  // when
  const long = await server.gql(REGISTER, { response, name: 'y'.repeat(101) }, { token })
  const named = await server.gql(REGISTER, { response, name: '  Phone  ' }, { token })
  // then
  assert.deepEqual(
    long.body.data.passkeyRegister.errors.map((e: { field: string; code: string }) => [e.field, e.code]),
    [['name', 'INVALID']],
  )
  assert.deepEqual(named.body.data.passkeyRegister.errors, [])
  assert.equal(named.body.data.passkeyRegister.passkey.name, 'Phone')
})

test('a registration challenge is spent once: the same response twice registers one passkey', async () => {
  // given: a session that may add a passkey whether or not the account holds one
  const customer = await makeCustomer(server.context)
  const token = await tokenFor(server.context, customer.id, ['hwk', 'mfa'])
  const options = await registrationOptions(server, token)
  const response = new SoftAuthenticator().register(options)
  // when
  const first = await server.gql(REGISTER, { response }, { token })
  const second = await server.gql(REGISTER, { response }, { token })
  // then
  assert.deepEqual(first.body.data.passkeyRegister.errors, [])
  assert.deepEqual(
    second.body.data.passkeyRegister.errors.map((e: { field: string; code: string }) => [e.field, e.code]),
    [['response', 'INVALID']],
  )
  assert.equal(await server.context.prisma.passkeyCredential.count({ where: { userId: customer.id } }), 1)
})

test('a second authenticator answering one challenge registers nothing: the challenge went with the first try', async () => {
  // given: a response with the wrong origin spends the challenge
  const customer = await makeCustomer(server.context)
  const token = await tokenFor(server.context, customer.id)
  const options = await registrationOptions(server, token)
  const wrong = await server.gql(
    REGISTER,
    { response: new SoftAuthenticator().register(options, { origin: 'http://evil.test' }) },
    { token },
  )
  // when
  const retry = await server.gql(REGISTER, { response: new SoftAuthenticator().register(options) }, { token })
  // then
  assert.equal(wrong.body.data.passkeyRegister.errors[0].code, 'INVALID')
  assert.equal(retry.body.data.passkeyRegister.errors[0].code, 'INVALID')
  assert.equal(await server.context.prisma.passkeyCredential.count({ where: { userId: customer.id } }), 0)
})

test('a registration response for another origin, RP id or challenge, or without user verification, is refused', async () => {
  const customer = await makeCustomer(server.context)
  const token = await tokenFor(server.context, customer.id)
  for (const knobs of [
    { origin: 'http://evil.test' },
    { rpId: 'evil.test' },
    { challenge: Buffer.alloc(32, 7).toString('base64url') },
    { userVerified: false },
    { type: 'webauthn.get' },
  ]) {
    const options = await registrationOptions(server, token)
    const res = await server.gql(REGISTER, { response: new SoftAuthenticator().register(options, knobs) }, { token })
    assert.deepEqual(
      res.body.data.passkeyRegister.errors.map((e: { field: string; code: string }) => [e.field, e.code]),
      [['response', 'INVALID']],
      JSON.stringify(knobs),
    )
  }
  for (const response of [{}, 'text', { id: 'x', rawId: 'x', type: 'public-key', response: {} }]) {
    const res = await server.gql(REGISTER, { response }, { token })
    assert.equal(res.body.data.passkeyRegister.errors[0].code, 'INVALID', JSON.stringify(response))
  }
  assert.equal(await server.context.prisma.passkeyCredential.count({ where: { userId: customer.id } }), 0)
})

test('a registration challenge past its 5 minutes is refused', async () => {
  // given
  const customer = await makeCustomer(server.context)
  const token = await tokenFor(server.context, customer.id)
  const options = await registrationOptions(server, token)
  await server.context.prisma.authChallenge.updateMany({
    where: { challengeHash: createHash('sha256').update(options.challenge).digest('hex') },
    data: { expiresAt: new Date(Date.now() - 1000) },
  })
  // when
  const res = await server.gql(REGISTER, { response: new SoftAuthenticator().register(options) }, { token })
  // then
  assert.equal(res.body.data.passkeyRegister.errors[0].code, 'INVALID')
  assert.equal(await server.context.prisma.passkeyCredential.count({ where: { userId: customer.id } }), 0)
})

test("another user's registration challenge registers nothing for the caller", async () => {
  // given
  const owner = await makeCustomer(server.context)
  const other = await makeCustomer(server.context)
  const options = await registrationOptions(server, await tokenFor(server.context, owner.id))
  // when
  const res = await server.gql(
    REGISTER,
    { response: new SoftAuthenticator().register(options) },
    { token: await tokenFor(server.context, other.id) },
  )
  // then
  assert.equal(res.body.data.passkeyRegister.errors[0].code, 'INVALID')
  assert.equal(await server.context.prisma.passkeyCredential.count({ where: { userId: other.id } }), 0)
})

test('a credential registered already, to anyone, is UNIQUE', async () => {
  // given: the same authenticator key registered by one user
  const first = await enrolled(server)
  const other = await makeCustomer(server.context)
  const token = await tokenFor(server.context, other.id)
  const options = await registrationOptions(server, token)
  // when: the same credential id offered by another user
  const res = await server.gql(REGISTER, { response: first.authenticator.register(options) }, { token })
  // then
  assert.deepEqual(
    res.body.data.passkeyRegister.errors.map((e: { field: string; code: string }) => [e.field, e.code]),
    [['response', 'UNIQUE']],
  )
  assert.equal(await server.context.prisma.passkeyCredential.count({ where: { userId: other.id } }), 0)
})

test("another user's passkey, or a malformed id, is NOT_FOUND for rename and delete, and stays as it was", async () => {
  // given
  const owner = await enrolled(server)
  const intruder = await makeCustomer(server.context)
  // a session that proved two factors, so that only the passkey's owner decides the answer
  const token = await tokenFor(server.context, intruder.id, ['hwk', 'mfa'])
  // when
  for (const id of [owner.passkeyId, 'not-an-id', '']) {
    const renamed = await server.gql(RENAME, { id, name: 'mine now' }, { token })
    const deleted = await server.gql(DELETE, { id }, { token })
    // then
    assert.deepEqual(renamed.body.data.passkeyRename.errors, [{ field: 'id', code: 'NOT_FOUND' }])
    assert.deepEqual(deleted.body.data.passkeyDelete.errors, [{ field: 'id', code: 'NOT_FOUND' }])
  }
  const row = await server.context.prisma.passkeyCredential.findUniqueOrThrow({ where: { id: owner.passkeyId } })
  assert.match(row.name, /^Passkey /)
  // and the intruder does not see it
  const listed = await server.gql(MY_PASSKEYS, {}, { token })
  assert.deepEqual(listed.body.data.me.passkeys, [])
})

test('a customer API token cannot ask for options, register, rename or delete, and an anonymous caller neither', async () => {
  // given
  const owner = await enrolled(server)
  const res = await server.gql('mutation { regenerateCustomerToken { token } }', {}, { token: owner.token })
  const apiToken = res.body.data.regenerateCustomerToken.token as string
  const options = await registrationOptions(server, await tokenFor(server.context, owner.user.id, ['hwk', 'mfa']))
  const response = new SoftAuthenticator().register(options)
  for (const credentials of [{ token: apiToken }, {}]) {
    // when
    const answers = [
      await server.gql(REGISTRATION_OPTIONS, {}, credentials),
      await server.gql(REGISTER, { response }, credentials),
      await server.gql(RENAME, { id: owner.passkeyId, name: 'x' }, credentials),
      await server.gql(DELETE, { id: owner.passkeyId }, credentials),
    ]
    // then
    for (const answer of answers) assert.equal(answer.body.errors?.[0]?.extensions?.code, 'KS_ACCESS_DENIED')
  }
  assert.equal(await server.context.prisma.passkeyCredential.count({ where: { userId: owner.user.id } }), 1)
})

test('staff who manage a customer read its passkeys; another customer does not', async () => {
  // given
  const owner = await enrolled(server)
  const staff = await makeStaff(server.context, ['MANAGE_USERS'])
  const other = await makeCustomer(server.context)
  const QUERY = 'query($id: ID!) { user(where: { id: $id }) { id passkeys { id name } } }'
  // when
  const asStaff = await server.gql(QUERY, { id: owner.user.id }, { token: await tokenFor(server.context, staff.id) })
  const asOther = await server.gql(QUERY, { id: owner.user.id }, { token: await tokenFor(server.context, other.id) })
  // then
  assert.deepEqual(
    asStaff.body.data.user.passkeys.map((p: { id: string }) => p.id),
    [owner.passkeyId],
  )
  assert.equal(asOther.body.data.user, null)
})
