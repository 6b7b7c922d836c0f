// The Admin UI's sign-in (authenticateUserWithPassword, from @keystone-6/auth): active staff only,
// email matched whatever its case, one answer for every refusal.
import '../../helpers/env'
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, type TestServer } from '../../helpers/server'
import { PASSWORD, makeCustomer, makeStaff } from '../../helpers/factories'
import { trusted } from '../../../services/kernel'

const SIGN_IN = `mutation($email: String!, $password: String!) {
  authenticateUserWithPassword(email: $email, password: $password) {
    __typename
    ... on UserAuthenticationWithPasswordSuccess { item { id email } }
    ... on UserAuthenticationWithPasswordFailure { message }
  }
}`

let server: TestServer

before(async () => {
  server = await startServer()
})
after(async () => {
  await server?.stop()
})

function sessionCookie(headers: Headers): string | undefined {
  const cookie = headers.getSetCookie().find(c => c.startsWith('keystonejs-session='))
  return cookie?.split(';')[0]
}

test('authenticateUserWithPassword lets active staff in, whatever the case of the email, and the cookie then authenticates', async () => {
  // given
  const staff = await makeStaff(server.context, ['MANAGE_USERS'])
  // when
  const res = await server.gql(SIGN_IN, { email: `  ${staff.email.toUpperCase()} `, password: PASSWORD })
  // then
  assert.equal(res.body.data.authenticateUserWithPassword.__typename, 'UserAuthenticationWithPasswordSuccess')
  const cookie = sessionCookie(res.headers)
  assert.ok(cookie)
  const me = await server.gql('{ me { id email userPermissions } }', {}, { cookie })
  assert.equal(me.body.data.me.id, staff.id)
  assert.deepEqual(me.body.data.me.userPermissions, ['MANAGE_USERS'])
})

test('authenticateUserWithPassword refuses a customer with the right password exactly like a wrong password', async () => {
  // given
  const customer = await makeCustomer(server.context)
  const staff = await makeStaff(server.context, ['MANAGE_USERS'])
  // when
  const asCustomer = await server.gql(SIGN_IN, { email: customer.email, password: PASSWORD })
  const wrongPassword = await server.gql(SIGN_IN, { email: staff.email, password: 'not the password' })
  const unknown = await server.gql(SIGN_IN, { email: 'nobody@example.com', password: PASSWORD })
  // then
  for (const res of [asCustomer, wrongPassword, unknown]) {
    assert.deepEqual(res.body.data.authenticateUserWithPassword, {
      __typename: 'UserAuthenticationWithPasswordFailure',
      message: 'Authentication failed.',
    })
    assert.equal(sessionCookie(res.headers), undefined)
  }
})

test('authenticateUserWithPassword refuses deactivated staff', async () => {
  // given
  const staff = await makeStaff(server.context, ['MANAGE_STAFF'], { isActive: false })
  // when
  const res = await server.gql(SIGN_IN, { email: staff.email, password: PASSWORD })
  // then
  assert.equal(res.body.data.authenticateUserWithPassword.__typename, 'UserAuthenticationWithPasswordFailure')
})

test('a staff cookie loses its staff access as soon as the user is removed from staff', async () => {
  // given
  const staff = await makeStaff(server.context, ['MANAGE_USERS'])
  const customer = await makeCustomer(server.context)
  const res = await server.gql(SIGN_IN, { email: staff.email, password: PASSWORD })
  const cookie = sessionCookie(res.headers)
  // when
  await trusted(server.context, null).db.User.updateOne({ where: { id: staff.id }, data: { isStaff: false } })
  // then
  const read = await server.gql(
    'query($id: ID!) { user(where: { id: $id }) { id } me { userPermissions } }',
    { id: customer.id },
    { cookie },
  )
  assert.equal(read.body.data.user, null)
  assert.deepEqual(read.body.data.me.userPermissions, [])
})

test("a staff cookie ends when the user's credentials are revoked", async () => {
  // given
  const staff = await makeStaff(server.context, ['MANAGE_USERS'])
  const cookie = sessionCookie((await server.gql(SIGN_IN, { email: staff.email, password: PASSWORD })).headers)
  assert.equal((await server.gql('{ me { id } }', {}, { cookie })).body.data.me.id, staff.id)
  // when
  const { columnsThatEndSessions } = await import('../../../services/identity/endSessions')
  await server.context.prisma.user.update({ where: { id: staff.id }, data: columnsThatEndSessions() })
  // then
  assert.equal((await server.gql('{ me { id } }', {}, { cookie })).body.data.me, null)
})
