// accountRequestDeletion / accountDelete and the email change: refusals for staff, other users'
// tokens, wrong passwords, taken addresses, one notice per quiet period and the per-IP limit. The
// server trusts this test process as its proxy (TRUST_PROXY=127.0.0.1), so a request sent with
// X-Forwarded-For counts as that client.
import '../../helpers/env'
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, type TestServer } from '../../helpers/server'
import { tokenFor } from '../../helpers/actors'
import { makeCustomer, makeStaff } from '../../helpers/factories'
import { assertTokenRefused } from '../../helpers/refusals'
import { issueOneTimeToken } from '../../../services/identity/oneTimeTokens'

const REQUEST_DELETION =
  'mutation { accountRequestDeletion(redirectUrl: "http://localhost:3001/delete") { errors { field code } } }'
const DELETE = 'mutation($token: String!) { accountDelete(token: $token) { errors { field code } } }'
const REQUEST_EMAIL =
  'mutation($p: String!, $e: String!) { requestEmailChange(password: $p, newEmail: $e, redirectUrl: "http://localhost:3001/email") { errors { field code } } }'
const CONFIRM_EMAIL =
  'mutation($token: String!) { confirmEmailChange(token: $token) { user { email } errors { field code } } }'

let server: TestServer

before(async () => {
  server = await startServer({ env: { TRUST_PROXY: '127.0.0.1' } })
})
after(async () => {
  await server?.stop()
})

test('accountRequestDeletion and accountDelete refuse staff with DELETE_STAFF_ACCOUNT', async () => {
  const staff = await makeStaff(server.context, ['MANAGE_USERS'])
  const token = await tokenFor(server.context, staff.id)
  assert.equal(
    (await server.gql(REQUEST_DELETION, {}, { token })).body.data.accountRequestDeletion.errors[0].code,
    'DELETE_STAFF_ACCOUNT',
  )
  const deletion = await issueOneTimeToken(server.context, { userId: staff.id, purpose: 'ACCOUNT_DELETION' })
  assert.equal(
    (await server.gql(DELETE, { token: deletion }, { token })).body.data.accountDelete.errors[0].code,
    'DELETE_STAFF_ACCOUNT',
  )
  assert.ok(await server.context.prisma.user.findUnique({ where: { id: staff.id } }))
})

test("accountDelete refuses another customer's deletion token and deletes nobody", async () => {
  const customer = await makeCustomer(server.context)
  const other = await makeCustomer(server.context)
  const othersToken = await issueOneTimeToken(server.context, { userId: other.id, purpose: 'ACCOUNT_DELETION' })
  const res = await server.gql(DELETE, { token: othersToken }, { token: await tokenFor(server.context, customer.id) })
  assert.deepEqual(res.body.data.accountDelete.errors, [{ field: 'token', code: 'INVALID' }])
  assert.equal(await server.context.prisma.user.count({ where: { id: { in: [customer.id, other.id] } } }), 2)
})

test('accountDelete without a session is refused with KS_ACCESS_DENIED', async () => {
  const res = await server.gql(DELETE, { token: 'x' })
  assert.equal(res.body.errors?.[0]?.extensions?.code, 'KS_ACCESS_DENIED')
})

test('requestEmailChange with a wrong password answers INVALID_CREDENTIALS on password and mails nothing', async () => {
  const customer = await makeCustomer(server.context)
  const res = await server.gql(
    REQUEST_EMAIL,
    { p: 'not my password', e: 'elsewhere@example.com' },
    { token: await tokenFor(server.context, customer.id) },
  )
  assert.deepEqual(res.body.data.requestEmailChange.errors, [{ field: 'password', code: 'INVALID_CREDENTIALS' }])
  assert.equal(await server.context.prisma.outboxMail.count({ where: { to: 'elsewhere@example.com' } }), 0)
})

test('requestEmailChange to a taken address answers success, but its owner gets a notice and no link', async () => {
  const customer = await makeCustomer(server.context)
  const owner = await makeCustomer(server.context)
  const res = await server.gql(
    REQUEST_EMAIL,
    { p: 'correct horse battery staple', e: owner.email },
    { token: await tokenFor(server.context, customer.id) },
  )
  assert.deepEqual(res.body.data.requestEmailChange.errors, [])
  const mail = await server.context.prisma.outboxMail.findFirst({ where: { to: owner.email } })
  assert.equal(mail?.template, 'ACCOUNT_EXISTS')
  assert.equal(
    await server.context.prisma.oneTimeToken.count({ where: { userId: customer.id, purpose: 'EMAIL_CHANGE' } }),
    0,
  )
})

test("confirmEmailChange refuses another user's email-change token and changes no email", async () => {
  const customer = await makeCustomer(server.context)
  const other = await makeCustomer(server.context)
  const othersToken = await issueOneTimeToken(server.context, {
    userId: other.id,
    purpose: 'EMAIL_CHANGE',
    payload: { newEmail: 'hijack@example.com' },
  })
  const res = await server.gql(
    CONFIRM_EMAIL,
    { token: othersToken },
    { token: await tokenFor(server.context, customer.id) },
  )
  assert.deepEqual(res.body.data.confirmEmailChange, { user: null, errors: [{ field: 'token', code: 'INVALID' }] })
  assert.equal((await server.context.prisma.user.findUnique({ where: { id: customer.id } }))!.email, customer.email)
  assert.equal((await server.context.prisma.user.findUnique({ where: { id: other.id } }))!.email, other.email)
})

test('a customer cannot change its own email through the generated updateUser', async () => {
  const customer = await makeCustomer(server.context)
  const res = await server.gql(
    'mutation($id: ID!) { updateUser(where: { id: $id }, data: { email: "sneaky@example.com" }) { email } }',
    { id: customer.id },
    { token: await tokenFor(server.context, customer.id) },
  )
  assert.equal(res.body.errors?.[0]?.extensions?.code, 'KS_ACCESS_DENIED')
  assert.equal((await server.context.prisma.user.findUnique({ where: { id: customer.id } }))!.email, customer.email)
})

test("a manager's email change through the generated updateUser signs the customer out and is recorded", async () => {
  // given
  const customer = await makeCustomer(server.context)
  const customerToken = await tokenFor(server.context, customer.id)
  const support = await makeStaff(server.context, ['MANAGE_USERS'])
  // when
  const res = await server.gql(
    'mutation($id: ID!) { updateUser(where: { id: $id }, data: { email: "Reassigned@Example.com" }) { email } }',
    { id: customer.id },
    { token: await tokenFor(server.context, support.id) },
  )
  // then
  assert.equal(res.body.data.updateUser.email, 'reassigned@example.com')
  assertTokenRefused(await server.gql('{ me { id } }', {}, { token: customerToken }), 'JWT_INVALID_TOKEN')
  const event = await server.context.prisma.accountEvent.findFirst({
    where: { userId: customer.id, type: 'EMAIL_ASSIGNED' },
  })
  assert.equal(event?.actorId, support.id)
})

test('requestEmailChange to a taken address twice in the quiet period notices its owner once, and answers alike', async () => {
  // given
  const customer = await makeCustomer(server.context)
  const owner = await makeCustomer(server.context)
  const token = await tokenFor(server.context, customer.id)
  // when
  const first = await server.gql(REQUEST_EMAIL, { p: 'correct horse battery staple', e: owner.email }, { token })
  const second = await server.gql(REQUEST_EMAIL, { p: 'correct horse battery staple', e: owner.email }, { token })
  // then
  assert.deepEqual(second.body, first.body)
  assert.equal(
    await server.context.prisma.outboxMail.count({ where: { to: owner.email, template: 'ACCOUNT_EXISTS' } }),
    1,
  )
})

test('requestEmailChange past twenty requests from one IP is refused with TOO_MANY_REQUESTS before the password is checked, and mails nothing', async () => {
  // given a client that used up its requests
  const customer = await makeCustomer(server.context)
  const token = await tokenFor(server.context, customer.id)
  const client = { token, headers: { 'x-forwarded-for': '198.51.100.50' } }
  await Promise.all(
    Array.from({ length: 20 }, () =>
      server.gql(REQUEST_EMAIL, { p: 'not my password', e: 'elsewhere@example.com' }, client),
    ),
  )
  // when
  const wrong = await server.gql(REQUEST_EMAIL, { p: 'not my password', e: 'fresh-address@example.com' }, client)
  const right = await server.gql(
    REQUEST_EMAIL,
    { p: 'correct horse battery staple', e: 'fresh-address@example.com' },
    client,
  )
  // then
  assert.deepEqual(wrong.body.data.requestEmailChange.errors, [{ field: null, code: 'TOO_MANY_REQUESTS' }])
  assert.deepEqual(right.body, wrong.body)
  assert.equal(await server.context.prisma.outboxMail.count({ where: { to: 'fresh-address@example.com' } }), 0)
})
