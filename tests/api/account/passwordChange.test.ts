// passwordChange and its Openfront twin updateActiveUserPassword: the old password, the policy,
// anonymous callers, and revocation of older tokens.
import '../../helpers/env'
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, type TestServer } from '../../helpers/server'
import { tokenFor } from '../../helpers/actors'
import { makeCustomer } from '../../helpers/factories'
import { assertTokenRefused } from '../../helpers/refusals'

const PASSWORD_CHANGE = `mutation($old: String, $new: String!) { passwordChange(oldPassword: $old, newPassword: $new) { user { id } errors { field code } } }`
const OPENFRONT = `mutation($old: String!, $new: String!, $confirm: String!) { updateActiveUserPassword(oldPassword: $old, newPassword: $new, confirmPassword: $confirm) { id } }`
const OLD = 'correct horse battery staple'

let server: TestServer

before(async () => {
  server = await startServer()
})
after(async () => {
  await server?.stop()
})

async function hashOf(id: string) {
  return (await server.context.prisma.user.findUnique({ where: { id } }))!.password
}

test('passwordChange with a wrong old password answers INVALID_PASSWORD on oldPassword and changes nothing', async () => {
  const customer = await makeCustomer(server.context)
  const before = await hashOf(customer.id)
  const res = await server.gql(
    PASSWORD_CHANGE,
    { old: 'wrong old password', new: 'a fresh and rather long passphrase' },
    { token: await tokenFor(server.context, customer.id) },
  )
  assert.deepEqual(res.body.data.passwordChange.errors, [{ field: 'oldPassword', code: 'INVALID_PASSWORD' }])
  assert.equal(await hashOf(customer.id), before)
})

test('passwordChange with a weak new password answers the policy codes on newPassword', async () => {
  const customer = await makeCustomer(server.context)
  const res = await server.gql(
    PASSWORD_CHANGE,
    { old: OLD, new: '12345678' },
    { token: await tokenFor(server.context, customer.id) },
  )
  const errors = res.body.data.passwordChange.errors
  assert.ok(errors.every((e: { field: string }) => e.field === 'newPassword'))
  assert.ok(errors.map((e: { code: string }) => e.code).includes('PASSWORD_ENTIRELY_NUMERIC'))
})

test('passwordChange without a session is refused with KS_ACCESS_DENIED', async () => {
  const res = await server.gql(PASSWORD_CHANGE, { old: OLD, new: 'a fresh and rather long passphrase' })
  assert.equal(res.body.errors?.[0]?.extensions?.code, 'KS_ACCESS_DENIED')
})

test('updateActiveUserPassword needs a matching confirmation and at least 10 characters, as coded GraphQL errors', async () => {
  const customer = await makeCustomer(server.context)
  const token = await tokenFor(server.context, customer.id)
  const mismatch = await server.gql(
    OPENFRONT,
    { old: OLD, new: 'a fresh and rather long passphrase', confirm: 'something else' },
    { token },
  )
  assert.equal(mismatch.body.errors[0].extensions.code, 'INVALID')
  assert.equal(mismatch.body.errors[0].extensions.field, 'confirmPassword')
  const short = await server.gql(OPENFRONT, { old: OLD, new: 'zq8!xkw2p', confirm: 'zq8!xkw2p' }, { token })
  assert.equal(short.body.errors[0].extensions.code, 'PASSWORD_TOO_SHORT')
  const wrongOld = await server.gql(
    OPENFRONT,
    { old: 'nope nope nope', new: 'a fresh and rather long passphrase', confirm: 'a fresh and rather long passphrase' },
    { token },
  )
  assert.equal(wrongOld.body.errors[0].extensions.code, 'INVALID_PASSWORD')
})

test('updateActiveUserPassword changes the password, returns the user, and ends the old token', async () => {
  const customer = await makeCustomer(server.context)
  const token = await tokenFor(server.context, customer.id)
  const res = await server.gql(
    OPENFRONT,
    { old: OLD, new: 'a fresh and rather long passphrase', confirm: 'a fresh and rather long passphrase' },
    { token },
  )
  assert.equal(res.body.errors, undefined)
  assert.equal(res.body.data.updateActiveUserPassword.id, customer.id)
  assertTokenRefused(await server.gql('{ me { id } }', {}, { token }), 'JWT_INVALID_TOKEN')
})

test('a password staff set through the generated updateUser obeys the same policy, and nothing changes', async () => {
  const { makeStaff } = await import('../../helpers/factories')
  const customer = await makeCustomer(server.context, { firstName: 'Margaret' })
  const support = await makeStaff(server.context, ['MANAGE_USERS'])
  const before = await hashOf(customer.id)
  const res = await server.gql(
    'mutation($id: ID!, $p: String!) { updateUser(where: { id: $id }, data: { password: $p }) { id } }',
    { id: customer.id, p: 'password1' },
    { token: await tokenFor(server.context, support.id) },
  )
  assert.equal(res.body.data?.updateUser ?? null, null)
  assert.match(JSON.stringify(res.body.errors), /PASSWORD_TOO_COMMON/)
  assert.equal(await hashOf(customer.id), before)
})

test('updateActiveUserPassword counts characters, not UTF-16 units: 9 with emojis are too short, 10 are enough', async () => {
  // given: two locks are four UTF-16 units but two characters
  const customer = await makeCustomer(server.context)
  const token = await tokenFor(server.context, customer.id)
  const nine = 'k9#vQ2m🔒🔒'
  const ten = 'k9#vQ2m🔒🔒x'
  // when
  const short = await server.gql(OPENFRONT, { old: OLD, new: nine, confirm: nine }, { token })
  const enough = await server.gql(OPENFRONT, { old: OLD, new: ten, confirm: ten }, { token })
  // then
  assert.equal(short.body.errors?.[0]?.extensions?.code, 'PASSWORD_TOO_SHORT')
  assert.match(short.body.errors[0].message, /at least 10 characters/)
  assert.equal(enough.body.errors, undefined)
  assert.equal(enough.body.data.updateActiveUserPassword.id, customer.id)
})

test('updateActiveUserPassword reports a password too short and too common together, as passwordChange does', async () => {
  // given
  const customer = await makeCustomer(server.context)
  const token = await tokenFor(server.context, customer.id)
  const before = await hashOf(customer.id)
  // when: 'password' is 8 characters, under Openfront's 10, and on the common list
  const res = await server.gql(OPENFRONT, { old: OLD, new: 'password', confirm: 'password' }, { token })
  // then
  const problems = res.body.errors[0].extensions.errors.map((e: { field: string; code: string }) => [e.field, e.code])
  assert.deepEqual(problems, [
    ['newPassword', 'PASSWORD_TOO_SHORT'],
    ['newPassword', 'PASSWORD_TOO_COMMON'],
  ])
  assert.equal(await hashOf(customer.id), before)
})

test('a password staff set through the generated updateUser counts characters as the policy does: 200 emojis are accepted', async () => {
  // given: 200 characters, 400 UTF-16 units, within the policy's 256
  const { makeStaff } = await import('../../helpers/factories')
  const customer = await makeCustomer(server.context)
  const support = await makeStaff(server.context, ['MANAGE_USERS'])
  const before = await hashOf(customer.id)
  // when
  const res = await server.gql(
    'mutation($id: ID!, $p: String!) { updateUser(where: { id: $id }, data: { password: $p }) { id } }',
    { id: customer.id, p: '🔒'.repeat(199) + 'x' },
    { token: await tokenFor(server.context, support.id) },
  )
  // then
  assert.equal(res.body.errors, undefined)
  assert.equal(res.body.data.updateUser.id, customer.id)
  assert.notEqual(await hashOf(customer.id), before)
})
