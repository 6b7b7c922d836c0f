// The Admin UI's sign-in beyond the password, over HTTP as its page sends it (no browser): a right
// password of staff with TOTP starts no session and hands the challenge back in an http-only,
// SameSite=Strict cookie on the GraphQL path; adminSignInWithCode finishes it (a session of amr pwd
// otp mfa), refuses a wrong code, a missing challenge, a tokenCreate challenge and another origin;
// adminSignInWithPasskey signs staff in with a passkey (amr hwk mfa) and refuses a customer's.
import '../../helpers/env'
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, type TestServer } from '../../helpers/server'
import { PASSWORD, makeCustomer, makeStaff } from '../../helpers/factories'
import { challengeFor, codeFor, confirmedLongAgo, enrol } from '../../api/mfa/mfaClient'
import { authenticationOptions, enrolled } from '../../api/passkeys/passkeyClient'

const PASSWORD_STEP = `mutation($email: String!, $password: String!) {
  authenticateUserWithPassword(email: $email, password: $password) {
    __typename ... on UserAuthenticationWithPasswordFailure { message } } }`
const CODE_STEP = 'mutation($code: String!) { adminSignInWithCode(code: $code) { errors { field code } } }'
const PASSKEY_STEP =
  'mutation($response: JSON!) { adminSignInWithPasskey(response: $response) { errors { field code } } }'

let server: TestServer

before(async () => {
  server = await startServer()
})
after(async () => {
  await server?.stop()
})

/** The cookies a response sets, by name: the whole Set-Cookie line of each. */
function setCookies(headers: Headers): Map<string, string> {
  return new Map(headers.getSetCookie().map(line => [line.split('=')[0]!, line]))
}

const cookiePair = (line: string | undefined) => (line ?? '').split(';')[0]!

async function adminSessions(userId: string) {
  return server.context.prisma.authSession.findMany({ where: { userId, kind: 'adminCookie' } })
}

test('staff with TOTP: the password starts no session and leaves the challenge in a strict http-only cookie; the code finishes it', async () => {
  // given
  const staff = await makeStaff(server.context, ['MANAGE_USERS'])
  const { secret } = await enrol(server, staff)
  await confirmedLongAgo(server, staff.id)

  // when: the password step
  const password = await server.gql(PASSWORD_STEP, { email: staff.email, password: PASSWORD })

  // then
  assert.equal(password.body.data.authenticateUserWithPassword.__typename, 'UserAuthenticationWithPasswordFailure')
  assert.match(password.body.data.authenticateUserWithPassword.message, /^MFA_REQUIRED/)
  const cookies = setCookies(password.headers)
  assert.equal(cookies.has('keystonejs-session'), false)
  const challenge = cookies.get('ks-admin-mfa')
  assert.ok(challenge, [...cookies.keys()].join(' '))
  assert.match(challenge, /HttpOnly/)
  assert.match(challenge, /SameSite=Strict/)
  assert.match(challenge, /Path=\/api\/graphql/)
  assert.deepEqual(await adminSessions(staff.id), [])

  // when: the code step, with the challenge's cookie
  const cookie = cookiePair(challenge)
  const wrong = await server.gql(CODE_STEP, { code: '000000' }, { cookie })
  const right = await server.gql(CODE_STEP, { code: codeFor(secret) }, { cookie })

  // then: a wrong code is refused, the right one starts the Admin UI's session
  assert.deepEqual(wrong.body.data.adminSignInWithCode.errors, [{ field: 'code', code: 'INVALID_MFA_CODE' }])
  assert.deepEqual(right.body.data.adminSignInWithCode.errors, [], JSON.stringify(right.body))
  const session = setCookies(right.headers).get('keystonejs-session')
  assert.ok(session)
  assert.match(setCookies(right.headers).get('ks-admin-mfa') ?? '', /Max-Age=0/)
  const me = await server.gql('{ me { id userPermissions } }', {}, { cookie: cookiePair(session) })
  assert.deepEqual(me.body.data.me, { id: staff.id, userPermissions: ['MANAGE_USERS'] })
  assert.deepEqual(
    (await adminSessions(staff.id)).map(s => s.amr),
    ['pwd otp mfa'],
  )
})

test('the code step refuses no challenge, a tokenCreate challenge, and a request from another origin', async () => {
  // given
  const staff = await makeStaff(server.context, [])
  const { secret } = await enrol(server, staff)
  await confirmedLongAgo(server, staff.id)
  const password = await server.gql(PASSWORD_STEP, { email: staff.email, password: PASSWORD })
  const cookie = cookiePair(setCookies(password.headers).get('ks-admin-mfa'))
  const tokensChallenge = await challengeFor(server, staff.email)

  // when
  const none = await server.gql(CODE_STEP, { code: codeFor(secret) })
  const ofTokens = await server.gql(
    CODE_STEP,
    { code: codeFor(secret) },
    { cookie: `ks-admin-mfa=${encodeURIComponent(tokensChallenge)}` },
  )
  const foreign = await server.gql(
    CODE_STEP,
    { code: codeFor(secret) },
    { cookie, headers: { origin: 'http://storefront.example' } },
  )

  // then
  for (const refused of [none, ofTokens])
    assert.deepEqual(refused.body.data.adminSignInWithCode.errors, [
      { field: 'challenge', code: 'INVALID_MFA_CHALLENGE' },
    ])
  assert.deepEqual(
    foreign.body.errors?.map((e: any) => e.extensions?.code),
    ['KS_ACCESS_DENIED'],
  )
  assert.deepEqual(await adminSessions(staff.id), [])
})

test('a staff passkey signs in to the Admin UI (amr hwk mfa); a customer’s passkey does not', async () => {
  // given
  const staff = await makeStaff(server.context, [])
  const { authenticator } = await enrolled(server, staff)
  const { user: customer, authenticator: customerKey } = await enrolled(server, await makeCustomer(server.context))

  // when
  const signIn = await server.gql(PASSKEY_STEP, {
    response: authenticator.assert(await authenticationOptions(server)),
  })
  const refused = await server.gql(PASSKEY_STEP, {
    response: customerKey.assert(await authenticationOptions(server)),
  })

  // then
  assert.deepEqual(signIn.body.data.adminSignInWithPasskey.errors, [], JSON.stringify(signIn.body))
  assert.ok(setCookies(signIn.headers).get('keystonejs-session'))
  assert.deepEqual(
    (await adminSessions(staff.id)).map(s => s.amr),
    ['hwk mfa'],
  )
  assert.deepEqual(refused.body.data.adminSignInWithPasskey.errors, [
    { field: 'response', code: 'INVALID_CREDENTIALS' },
  ])
  assert.equal(setCookies(refused.headers).has('keystonejs-session'), false)
  assert.deepEqual(await adminSessions(customer.id), [])
})
