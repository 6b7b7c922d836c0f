// tokenCreate: credentials, throttling, account states and PASSWORD_LOGIN_MODE.
import '../../helpers/env'
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, type TestServer } from '../../helpers/server'
import { PASSWORD, makeCustomer, makeStaff } from '../../helpers/factories'

const TOKEN_CREATE = `mutation($email: String!, $password: String!) {
  tokenCreate(email: $email, password: $password) { token refreshToken csrfToken user { id } errors { field code message } }
}`

let server: TestServer

// behind a trusted proxy, so each test can speak from an IP of its own
before(async () => {
  server = await startServer({ env: { TRUST_PROXY: '1' } })
})
after(async () => {
  await server?.stop()
})

function fromIp(ip: string) {
  return { headers: { 'x-forwarded-for': ip } }
}

test('tokenCreate answers a wrong password and an unknown email identically', async () => {
  // given
  const customer = await makeCustomer(server.context)
  // when
  const wrong = await server.gql(TOKEN_CREATE, { email: customer.email, password: 'not the password at all' })
  const unknown = await server.gql(TOKEN_CREATE, {
    email: 'no-such-user@example.com',
    password: 'not the password at all',
  })
  // then
  assert.deepEqual(wrong.body, unknown.body)
  assert.deepEqual(wrong.body.data.tokenCreate.errors, [
    { field: 'email', code: 'INVALID_CREDENTIALS', message: 'Please, enter valid credentials' },
  ])
  assert.equal(wrong.body.data.tokenCreate.token, null)
})

test('tokenCreate signs in with the email in any case and gives working tokens', async () => {
  const customer = await makeCustomer(server.context)
  const res = await server.gql(TOKEN_CREATE, { email: customer.email.toUpperCase(), password: PASSWORD })
  assert.deepEqual(res.body.data.tokenCreate.errors, [])
  assert.equal(res.body.data.tokenCreate.user.id, customer.id)
  const me = await server.gql('{ me { id } }', {}, { token: res.body.data.tokenCreate.token })
  assert.equal(me.body.data.me.id, customer.id)
  const stored = await server.context.prisma.user.findUnique({ where: { id: customer.id } })
  assert.ok(stored?.lastLogin)
})

test('tokenCreate refuses an inactive account with INACTIVE and an unconfirmed one with ACCOUNT_NOT_CONFIRMED', async () => {
  const inactive = await makeCustomer(server.context, { isActive: false })
  const unconfirmed = await makeCustomer(server.context, { isConfirmed: false })
  assert.equal(
    (await server.gql(TOKEN_CREATE, { email: inactive.email, password: PASSWORD })).body.data.tokenCreate.errors[0]
      .code,
    'INACTIVE',
  )
  assert.equal(
    (await server.gql(TOKEN_CREATE, { email: unconfirmed.email, password: PASSWORD })).body.data.tokenCreate.errors[0]
      .code,
    'ACCOUNT_NOT_CONFIRMED',
  )
})

test('tokenCreate re-hashes a bcrypt password with argon2id at the first successful login', async () => {
  // given: a hash from an older store, with Keystone's default bcrypt
  const bcrypt = (await import('bcryptjs')).default
  const customer = await makeCustomer(server.context)
  await server.context.prisma.user.update({
    where: { id: customer.id },
    data: { password: await bcrypt.hash(PASSWORD, 10) },
  })
  // when
  const res = await server.gql(TOKEN_CREATE, { email: customer.email, password: PASSWORD })
  // then
  assert.deepEqual(res.body.data.tokenCreate.errors, [])
  const stored = await server.context.prisma.user.findUnique({ where: { id: customer.id } })
  assert.match(stored!.password!, /^\$argon2id\$/)
})

test('tokenCreate delays repeated failures from one IP for one account with LOGIN_ATTEMPT_DELAYED, and the right password does not pass meanwhile', async () => {
  // given
  const customer = await makeCustomer(server.context)
  const codes: string[] = []
  // when
  for (let i = 0; i < 12; i++) {
    const res = await server.gql(TOKEN_CREATE, { email: customer.email, password: `wrong ${i}` }, fromIp('203.0.113.7'))
    codes.push(res.body.data.tokenCreate.errors[0].code)
  }
  const blocked = await server.gql(TOKEN_CREATE, { email: customer.email, password: PASSWORD }, fromIp('203.0.113.7'))
  // then
  assert.equal(codes[0], 'INVALID_CREDENTIALS')
  assert.ok(codes.includes('LOGIN_ATTEMPT_DELAYED'), codes.join(','))
  assert.equal(blocked.body.data.tokenCreate.errors[0].code, 'LOGIN_ATTEMPT_DELAYED')
  assert.equal(blocked.body.data.tokenCreate.token, null)
})

test('tokenCreate throttles an unknown email exactly like a known one', async () => {
  const codes: string[] = []
  for (let i = 0; i < 12; i++) {
    const res = await server.gql(
      TOKEN_CREATE,
      { email: 'ghost@example.com', password: `wrong ${i}` },
      fromIp('203.0.113.8'),
    )
    codes.push(res.body.data.tokenCreate.errors[0].code)
  }
  assert.ok(codes.includes('LOGIN_ATTEMPT_DELAYED'), codes.join(','))
})

test('with PASSWORD_LOGIN_MODE=CUSTOMERS_ONLY staff cannot sign in with a password and customers can', async () => {
  // given
  const other = await startServer({ env: { PASSWORD_LOGIN_MODE: 'CUSTOMERS_ONLY' } })
  try {
    const staff = await makeStaff(other.context, ['MANAGE_USERS'])
    const customer = await makeCustomer(other.context)
    // when
    const asStaff = await other.gql(TOKEN_CREATE, { email: staff.email, password: PASSWORD })
    const asCustomer = await other.gql(TOKEN_CREATE, { email: customer.email, password: PASSWORD })
    // then
    assert.equal(asStaff.body.data.tokenCreate.errors[0].code, 'DISABLED_AUTHENTICATION_METHOD')
    assert.deepEqual(asCustomer.body.data.tokenCreate.errors, [])
  } finally {
    await other.stop()
  }
})
