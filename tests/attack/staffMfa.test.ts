// Attacks on STAFF_MFA_REQUIRED, the staff reset of a second factor and the Admin UI's sign-in
// steps (issue 20, second review), black-box over HTTP. Each test names the hole it shows and the
// fix proposed; each FAILS while the hole exists. Tests marked HELD passed when written.
import '../helpers/env'
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, type TestServer } from '../helpers/server'
import { PASSWORD, makeCustomer, makeStaff, makeSuperuser } from '../helpers/factories'
import { tokenFor } from '../helpers/actors'
import { issueOneTimeToken } from '../../services/identity/oneTimeTokens'
import { SoftAuthenticator } from '../helpers/softAuthenticator'
import { TOKEN_CREATE, TOTP_CONFIRM, TOTP_SETUP, awayFromStepEdge, codeFor, enrol } from '../api/mfa/mfaClient'
import { REGISTER, enrolled, registrationOptions, signIn } from '../api/passkeys/passkeyClient'

const CUSTOMERS = '{ customers(take: 5) { id } }'
const PASSWORD_STEP = `mutation($email: String!, $password: String!) {
  authenticateUserWithPassword(email: $email, password: $password) {
    __typename ... on UserAuthenticationWithPasswordFailure { message } } }`
const RESET = 'mutation($id: ID!) { userSecondFactorReset(id: $id) { errors { field code } } }'

let server: TestServer

before(async () => {
  server = await startServer({ env: { STAFF_MFA_REQUIRED: 'true' } })
})
after(async () => {
  await server?.stop()
})

const gqlCodes = (body: any): string[] => (body.errors ?? []).map((e: any) => e.extensions?.code)

/** tokenCreate with the password: the access token, or null when none is answered. */
async function passwordToken(email: string): Promise<string | null> {
  const res = await server.gql(TOKEN_CREATE, { email, password: PASSWORD })
  return res.body.data?.tokenCreate?.token ?? null
}

// HOLE (High): STAFF_MFA_REQUIRED is bypassed with the password alone for every staff user whose
// second factor is a passkey (and no TOTP). requireSecondFactor (services/identity/secondFactor.ts)
// asks for a second step only when TOTP is on, so tokenCreate (and the Admin UI's password step)
// with the right password of a passkey-only staff member answers a session, amr ["pwd"]. That
// session is "pending" (acts as a customer), but it may register a passkey of the attacker's own
// (services/identity/passkeys.ts assertMayAddPasskey only asks for `mfa` while TOTP is on) or set up
// and confirm TOTP (accountTotpSetup asks for the password, which the attacker has). The attacker's
// new factor then signs in with amr mfa and every permission of the victim: a stolen staff password
// is all it takes, although the staff member enrolled a second factor and the Admin UI shows
// "secondFactorEnabled: true" on its page.
// FIX (proposed): services/identity/passkeys.ts assertMayAddPasskey and the TOTP setup
// (services/accounts/secondFactor/setupTotp.ts and confirmTotp.ts): a user who has ANY second factor
// (TOTP on or a passkey) adds another only from a session whose amr holds `mfa`; and, so that a
// passkey-only user's password is not a full sign-in at all, services/identity/secondFactor.ts
// requireSecondFactor (or signInWithPassword) refuses a password-only session to a user whose only
// second factor is a passkey when that user is staff under STAFF_MFA_REQUIRED (answer MFA_REQUIRED
// with no challenge the code step can finish, i.e. "sign in with your passkey").
test('a stolen password of passkey-only staff does not become a two-factor staff session (passkey route)', async () => {
  // given: staff with MANAGE_USERS whose second factor is a passkey, and a customer
  await makeCustomer(server.context)
  const staff = await makeStaff(server.context, ['MANAGE_USERS'])
  await enrolled(server, staff)

  // when: the attacker, with the password only, signs in and registers its own authenticator
  const token = await passwordToken(staff.email)
  let outcome = 'no password-only session'
  if (token) {
    const thief = new SoftAuthenticator()
    const res = await server.gql(
      REGISTER,
      { response: thief.register(await registrationOptions(server, token)) },
      { token },
    )
    outcome = 'passkeyRegister refused: ' + JSON.stringify(res.body.data?.passkeyRegister?.errors ?? res.body.errors)
    if (res.body.data?.passkeyRegister?.errors?.length === 0) {
      const { payload } = await signIn(server, thief)
      const customers = await server.gql(CUSTOMERS, {}, { token: payload.token })
      outcome = `thief's passkey signs in; customers: ${JSON.stringify(customers.body.data?.customers ?? customers.body.errors)}`
      // then: the attacker must not hold the staff member's permissions
      assert.deepEqual(gqlCodes(customers.body), ['KS_ACCESS_DENIED'], outcome)
    }
  }
  // refused earlier (no password-only session, or no registration): held
  void outcome
})

test('a stolen password of passkey-only staff does not become a two-factor staff session (TOTP route)', async () => {
  // given
  await makeCustomer(server.context)
  const staff = await makeStaff(server.context, ['MANAGE_USERS'])
  await enrolled(server, staff)

  // when: the attacker enrols its own TOTP with the password-only session
  const token = await passwordToken(staff.email)
  if (!token) return
  const setup = await server.gql(TOTP_SETUP, { password: PASSWORD }, { token })
  const secret = setup.body.data?.accountTotpSetup?.secret
  if (!secret) return
  await awayFromStepEdge()
  const confirm = await server.gql(TOTP_CONFIRM, { code: codeFor(secret) }, { token })
  if (confirm.body.data?.accountTotpConfirm?.errors?.length !== 0) return
  // and signs in with the password and its own code
  const challenge = (await server.gql(TOKEN_CREATE, { email: staff.email, password: PASSWORD })).body.data.tokenCreate
    .mfaChallenge
  // the next step's code: the one that confirmed the setup is spent
  const finish = await server.gql(
    `mutation($c: String!, $code: String!) { tokenCreateMfa(challenge: $c, code: $code) { token errors { code } } }`,
    { c: challenge, code: codeFor(secret, 1) },
  )
  const staffToken = finish.body.data?.tokenCreateMfa?.token
  assert.ok(staffToken, JSON.stringify(finish.body))
  const customers = await server.gql(CUSTOMERS, {}, { token: staffToken })

  // then
  assert.deepEqual(
    gqlCodes(customers.body),
    ['KS_ACCESS_DENIED'],
    `TOTP enrolled from a password-only session of passkey-only staff; customers: ${JSON.stringify(customers.body.data)}`,
  )
})

// Same hole, the Admin UI: the password step of passkey-only staff starts a cookie session.
test('the Admin UI password step of passkey-only staff starts no cookie session', async () => {
  const staff = await makeStaff(server.context, ['MANAGE_USERS'])
  await enrolled(server, staff)
  const res = await server.gql(PASSWORD_STEP, { email: staff.email, password: PASSWORD })
  const sessions = await server.context.prisma.authSession.findMany({
    where: { userId: staff.id, kind: 'adminCookie' },
  })
  assert.deepEqual(
    sessions.map(s => s.amr),
    [],
    `a password alone opened an Admin UI session of staff enrolled with a passkey: ${JSON.stringify(res.body.data)}`,
  )
})

// HELD: the Admin UI password step tells a customer with TOTP nothing (no MFA_REQUIRED, no challenge cookie).
test('authenticateUserWithPassword answers a customer with TOTP as a wrong password', async () => {
  const customer = await makeCustomer(server.context)
  await enrol(server, customer)
  const right = await server.gql(PASSWORD_STEP, { email: customer.email, password: PASSWORD })
  const wrong = await server.gql(PASSWORD_STEP, { email: customer.email, password: 'wrong password here' })
  const unknown = await server.gql(PASSWORD_STEP, { email: 'nobody-x@example.com', password: PASSWORD })
  assert.deepEqual(right.body.data, wrong.body.data)
  assert.deepEqual(right.body.data, unknown.body.data)
  assert.equal(
    right.headers.getSetCookie().some(line => line.startsWith('ks-admin-mfa')),
    false,
  )
})

// HELD: who may reset whose second factor.
test('the reset: MANAGE_USERS cannot reset staff, no one their own, a pending superuser nothing', async () => {
  const agent = await makeStaff(server.context, ['MANAGE_USERS'])
  const other = await makeStaff(server.context, [])
  const superuser = await makeSuperuser(server.context)
  const customer = await makeCustomer(server.context)
  for (const user of [other, superuser, customer, agent]) await enrol(server, user)
  const mfaToken = async (userId: string) => {
    const { issueTokens } = await import('../../services/identity/tokens')
    const u = await server.context.prisma.user.findUniqueOrThrow({ where: { id: userId } })
    const t = await issueTokens(
      server.context.sudo(),
      { id: u.id, email: u.email, isStaff: u.isStaff, jwtTokenKey: u.jwtTokenKey },
      { amr: ['pwd', 'otp', 'mfa'], ip: '127.0.0.1', userAgent: 'tests' },
    )
    return t.accessToken
  }
  const agentToken = await mfaToken(agent.id)
  const superToken = await mfaToken(superuser.id)
  const answer = async (token: string, id: string) => {
    const res = await server.gql(RESET, { id }, { token })
    return res.body.data?.userSecondFactorReset?.errors?.map((e: any) => e.code) ?? gqlCodes(res.body)
  }
  assert.deepEqual(await answer(agentToken, other.id), ['NOT_FOUND'])
  assert.deepEqual(await answer(agentToken, superuser.id), ['NOT_FOUND'])
  assert.deepEqual(await answer(agentToken, agent.id), ['NOT_FOUND'])
  assert.deepEqual(await answer(superToken, superuser.id), ['NOT_FOUND'])
  // a superuser signed in with the password only acts as a customer
  const pending = await tokenFor(server.context, superuser.id)
  assert.deepEqual(await answer(pending, customer.id), ['KS_ACCESS_DENIED'])
  // the superuser with two factors resets staff; every session of that staff member ends
  const otherToken = await tokenFor(server.context, other.id)
  assert.deepEqual(await answer(superToken, other.id), [])
  const me = await server.gql('{ me { id } }', {}, { token: otherToken })
  assert.deepEqual(gqlCodes(me.body), ['JWT_INVALID_TOKEN'], JSON.stringify(me.body))
})

const CODE_STEP = 'mutation($code: String!) { adminSignInWithCode(code: $code) { errors { field code } } }'
const cookiePair = (line: string | undefined) => (line ?? '').split(';')[0]!
const setCookie = (headers: Headers, name: string) => headers.getSetCookie().find(line => line.startsWith(`${name}=`))

/** The Admin UI's password step: the challenge cookie (staff with TOTP) or the session cookie. */
async function passwordStep(email: string) {
  const res = await server.gql(PASSWORD_STEP, { email, password: PASSWORD })
  return {
    challenge: cookiePair(setCookie(res.headers, 'ks-admin-mfa')),
    session: cookiePair(setCookie(res.headers, 'keystonejs-session')),
  }
}

// HELD: a challenge left by the password step does not outlive a change of that password.
test('the Admin UI code step refuses a challenge whose password has changed since', async () => {
  const staff = await makeStaff(server.context, ['MANAGE_USERS'])
  const { secret } = await enrol(server, staff)
  const { challenge } = await passwordStep(staff.email)
  assert.ok(challenge)
  // the password changes (its hash only: the strictest case, the token key left as it was)
  const donor = await makeCustomer(server.context, { password: 'another long password 42' })
  const { password } = await server.context.prisma.user.findUniqueOrThrow({ where: { id: donor.id } })
  await server.context.prisma.user.update({ where: { id: staff.id }, data: { password } })
  const res = await server.gql(CODE_STEP, { code: codeFor(secret, 1) }, { cookie: challenge })
  assert.notDeepEqual(res.body.data?.adminSignInWithCode?.errors, [], JSON.stringify(res.body))
  assert.equal(setCookie(res.headers, 'keystonejs-session'), undefined)
})

// HELD: an old password-only session of staff with TOTP cannot set TOTP up again (a secret the attacker knows).
test('a password-only session of staff with TOTP on cannot replace the TOTP secret', async () => {
  const staff = await makeStaff(server.context, ['MANAGE_USERS'])
  await enrol(server, staff)
  const oldSession = await tokenFor(server.context, staff.id)
  const setup = await server.gql(TOTP_SETUP, { password: PASSWORD }, { token: oldSession })
  const secret = setup.body.data?.accountTotpSetup?.secret
  if (secret) {
    await awayFromStepEdge()
    const confirm = await server.gql(TOTP_CONFIRM, { code: codeFor(secret, 1) }, { token: oldSession })
    assert.notDeepEqual(confirm.body.data?.accountTotpConfirm?.errors, [], 'the secret was replaced')
  }
})

// HELD?: a pending (password-only) Admin UI cookie of staff reads nothing of the Admin UI's own GraphQL.
test('a password-only Admin UI cookie of staff (no factor yet) reads no list and no admin meta', async () => {
  const customer = await makeCustomer(server.context)
  const staff = await makeSuperuser(server.context)
  const { session } = await passwordStep(staff.email)
  assert.ok(session, 'the password step of staff with no factor yet starts a (pending) session')
  const users = await server.gql('{ users(take: 50) { id email } }', {}, { cookie: session })
  const one = await server.gql(
    'query($id: ID!) { user(where: { id: $id }) { id email } }',
    { id: customer.id },
    { cookie: session },
  )
  const meta = await server.gql('{ keystone { adminMeta { lists { key } } } }', {}, { cookie: session })
  const groups = await server.gql('{ permissionGroups { id } }', {}, { cookie: session })
  const webhooks = await server.gql('{ webhooks { id } }', {}, { cookie: session })
  const seen = (users.body.data?.users ?? []).map((u: any) => u.id)
  assert.deepEqual(
    seen.filter((id: string) => id !== staff.id),
    [],
    'users list: ' + JSON.stringify(users.body),
  )
  assert.equal(one.body.data?.user ?? null, null, JSON.stringify(one.body))
  assert.equal(
    meta.body.data?.keystone?.adminMeta ?? null,
    null,
    'adminMeta: ' + JSON.stringify(meta.body).slice(0, 200),
  )
  assert.ok(!(groups.body.data?.permissionGroups?.length > 0), JSON.stringify(groups.body))
  assert.ok(!(webhooks.body.data?.webhooks?.length > 0), JSON.stringify(webhooks.body))
})

// HELD: a superuser's reset of staff ends that staff member's Admin UI cookie session too.
test('a reset ends the Admin UI cookie session of the staff member reset', async () => {
  const staff = await makeStaff(server.context, ['MANAGE_USERS'])
  const { secret } = await enrol(server, staff)
  const { challenge } = await passwordStep(staff.email)
  const done = await server.gql(CODE_STEP, { code: codeFor(secret, 1) }, { cookie: challenge })
  const cookie = cookiePair(setCookie(done.headers, 'keystonejs-session'))
  assert.ok(cookie, JSON.stringify(done.body))
  const before = await server.gql('{ me { id } }', {}, { cookie })
  assert.equal(before.body.data?.me?.id, staff.id)
  const superuser = await makeSuperuser(server.context)
  await enrol(server, superuser)
  const { issueTokens } = await import('../../services/identity/tokens')
  const su = await server.context.prisma.user.findUniqueOrThrow({ where: { id: superuser.id } })
  const { accessToken } = await issueTokens(
    server.context.sudo(),
    { id: su.id, email: su.email, isStaff: true, jwtTokenKey: su.jwtTokenKey },
    { amr: ['pwd', 'otp', 'mfa'], ip: '127.0.0.1', userAgent: 'tests' },
  )
  const reset = await server.gql(RESET, { id: staff.id }, { token: accessToken })
  assert.deepEqual(reset.body.data?.userSecondFactorReset?.errors, [], JSON.stringify(reset.body))
  const afterReset = await server.gql('{ me { id } }', {}, { cookie })
  assert.equal(afterReset.body.data?.me ?? null, null, JSON.stringify(afterReset.body))
})

// HELD: a staff member demoted or deactivated between the password step and the code step gets no session.
test('the Admin UI code step refuses staff demoted or deactivated since the password step', async () => {
  for (const change of [{ isStaff: false }, { isActive: false }]) {
    const staff = await makeStaff(server.context, ['MANAGE_USERS'])
    const { secret } = await enrol(server, staff)
    const { challenge } = await passwordStep(staff.email)
    assert.ok(challenge)
    await server.context.prisma.user.update({ where: { id: staff.id }, data: change })
    const res = await server.gql(CODE_STEP, { code: codeFor(secret, 1) }, { cookie: challenge })
    assert.equal(setCookie(res.headers, 'keystonejs-session'), undefined, JSON.stringify(change))
    const live = await server.context.prisma.authSession.count({ where: { userId: staff.id, kind: 'adminCookie' } })
    assert.equal(live, 0, JSON.stringify(change))
  }
})

// HELD (SQLite; the interleaving is coarse here): a sign-in racing a staff reset leaves no live session.
test('a code-step sign-in racing the staff reset leaves no session that survives the reset', async () => {
  const superuser = await makeSuperuser(server.context)
  await enrol(server, superuser)
  const { issueTokens } = await import('../../services/identity/tokens')
  const su = await server.context.prisma.user.findUniqueOrThrow({ where: { id: superuser.id } })
  const { accessToken } = await issueTokens(
    server.context.sudo(),
    { id: su.id, email: su.email, isStaff: true, jwtTokenKey: su.jwtTokenKey },
    { amr: ['pwd', 'otp', 'mfa'], ip: '127.0.0.1', userAgent: 'tests' },
  )
  for (let round = 0; round < 3; round++) {
    const staff = await makeStaff(server.context, ['MANAGE_USERS'])
    const { secret } = await enrol(server, staff)
    const { challenge } = await passwordStep(staff.email)
    const [signIn, reset] = await Promise.all([
      server.gql(CODE_STEP, { code: codeFor(secret, 1) }, { cookie: challenge }),
      server.gql(RESET, { id: staff.id }, { token: accessToken }),
    ])
    assert.deepEqual(reset.body.data?.userSecondFactorReset?.errors, [], JSON.stringify(reset.body))
    const cookie = cookiePair(setCookie(signIn.headers, 'keystonejs-session'))
    if (cookie) {
      const me = await server.gql('{ me { id } }', {}, { cookie })
      assert.equal(me.body.data?.me ?? null, null, `round ${round}: a session made during the reset survives it`)
    }
  }
})

// HELD (the interleaving the race above found on PostgreSQL, made exact): a code judged before a
// staff reset, bound after it, binds to nothing, though the password is still the same.
test('a second-factor sign-in proved before a reset does not bind after it', async () => {
  const { bindSignIn } = await import('../../services/identity/signIn')
  const { columnsThatEndSessions } = await import('../../services/identity/endSessions')
  const staff = await makeStaff(server.context, ['MANAGE_USERS'])
  await enrol(server, staff)
  const proved = await server.context.prisma.user.findUniqueOrThrow({ where: { id: staff.id } })
  assert.ok(proved.totpEnabledAt)
  const proven = {
    id: proved.id,
    password: proved.password,
    jwtTokenKey: proved.jwtTokenKey,
    totpEnabledAt: proved.totpEnabledAt,
  }
  // what resetSecondFactorAsStaff writes to the user row
  await server.context.prisma.user.update({
    where: { id: staff.id },
    data: { totpSecret: null, totpPendingSecret: null, totpEnabledAt: null, ...columnsThatEndSessions() },
  })
  await assert.rejects(bindSignIn(server.context, proven), (e: any) => e?.errors?.[0]?.code === 'INVALID_CREDENTIALS')
  // a password-only proof still binds after a sign-out everywhere (the key moved, the password held)
  const key = await bindSignIn(server.context, {
    id: proved.id,
    password: proved.password,
    jwtTokenKey: proved.jwtTokenKey,
  })
  const now = await server.context.prisma.user.findUniqueOrThrow({ where: { id: staff.id } })
  assert.equal(key, now.jwtTokenKey)
  assert.notEqual(key, proved.jwtTokenKey)
})

/** An access token of a new two-factor session (amr pwd otp mfa) of this user. */
async function mfaTokenOf(userId: string): Promise<string> {
  const { issueTokens } = await import('../../services/identity/tokens')
  const u = await server.context.prisma.user.findUniqueOrThrow({ where: { id: userId } })
  const { accessToken } = await issueTokens(
    server.context.sudo(),
    { id: u.id, email: u.email, isStaff: u.isStaff, jwtTokenKey: u.jwtTokenKey },
    { amr: ['pwd', 'otp', 'mfa'], ip: '127.0.0.1', userAgent: 'tests' },
  )
  return accessToken
}

// HELD: the Admin UI's action (also a generated mutation) follows the same rule as the mutation.
test("the Admin UI's Reset second factor action: MANAGE_USERS cannot reset staff through it", async () => {
  const agent = await makeStaff(server.context, ['MANAGE_USERS', 'MANAGE_STAFF'])
  const other = await makeStaff(server.context, [])
  await enrol(server, other)
  const token = await mfaTokenOf(agent.id)
  const res = await server.gql(
    'mutation($id: ID!) { resetSecondFactorUser(where: { id: $id }) { id } }',
    { id: other.id },
    { token },
  )
  const row = await server.context.prisma.user.findUniqueOrThrow({ where: { id: other.id } })
  assert.ok(
    row.totpEnabledAt,
    'a staff member without superuser reset another staff member: ' + JSON.stringify(res.body),
  )
})

// HOLE (Low): the reset mails the user, but neither its mutation (userSecondFactorReset, no
// `extensions: costly('mail')`) nor its list action (lists/userActions.ts resetSecondFactor, not
// wrapped in withCostlyWork(..., 'mail') as sendPasswordReset and resendConfirmation are) declares
// it, so one request (the bulk resetSecondFactorUsers, or aliases) resets the second factor of any
// number of customers and puts a mail per user in the outbox: the request limits' "one item that
// sends a mail per request" (lists/costlyWork.ts) does not hold for it, and a single hijacked or
// mistaken request strips two-step sign-in from the whole customer base at once.
// FIX (proposed): lists/userActions.ts: wrap resetSecondFactor in withCostlyWork(..., 'mail');
// mutations/staff/userSecondFactorReset.ts: `extensions: costly('mail')`.
test('one request resets the second factor of one user at most (a mail per reset)', async () => {
  const agent = await makeStaff(server.context, ['MANAGE_USERS'])
  const token = await mfaTokenOf(agent.id)
  const victims = [await makeCustomer(server.context), await makeCustomer(server.context)]
  for (const victim of victims) await enrol(server, victim)
  const bulk = await server.gql(
    'mutation($d: [ResetSecondFactorUserArgs!]!) { resetSecondFactorUsers(data: $d) { id } }',
    { d: victims.map(v => ({ where: { id: v.id } })) },
    { token },
  )
  const more = [await makeCustomer(server.context), await makeCustomer(server.context)]
  for (const victim of more) await enrol(server, victim)
  const aliases = await server.gql(
    'mutation($a: ID!, $b: ID!) { a: userSecondFactorReset(id: $a) { errors { code } } b: userSecondFactorReset(id: $b) { errors { code } } }',
    { a: more[0]!.id, b: more[1]!.id },
    { token },
  )
  const left = async (ids: string[]) =>
    server.context.prisma.user.count({ where: { id: { in: ids }, totpEnabledAt: null } })
  const bulkReset = await left(victims.map(v => v.id))
  const aliasReset = await left(more.map(v => v.id))
  assert.deepEqual(
    { bulkReset, aliasReset },
    { bulkReset: Math.min(bulkReset, 1), aliasReset: Math.min(aliasReset, 1) },
    `one request reset several users: bulk ${JSON.stringify(bulk.body)}, aliases ${JSON.stringify(aliases.body)}`,
  )
})

// HOLE (High, same cause as the first test, worse attacker): the MAILBOX alone of passkey-only
// staff is a staff session with every permission. setPassword answers MFA_REQUIRED only for TOTP
// (requireSecondFactor), so a reset link (a mailbox taken over, a mail forwarded) of staff whose
// second factor is a passkey gives a password-only session, which adds the attacker's own passkey
// (assertMayAddPasskey asks for `mfa` only while TOTP is on); that passkey then signs in with amr
// hwk + mfa: STAFF_MFA_REQUIRED asked for two factors and got one (the mailbox).
// FIX (proposed): as the first test's: services/identity/passkeys.ts assertMayAddPasskey (and the
// TOTP setup) ask for `mfa` for a user with any second factor; services/identity/secondFactor.ts
// requireSecondFactor treats a passkey-only staff user as enrolled (no password-only session).
test('a reset link of passkey-only staff does not become a two-factor staff session', async () => {
  // given
  await makeCustomer(server.context)
  const staff = await makeStaff(server.context, ['MANAGE_USERS'])
  await enrolled(server, staff)

  // when: the attacker holds the mailbox only
  const link = await issueOneTimeToken(server.context, { userId: staff.id, purpose: 'PASSWORD_RESET' })
  const res = await server.gql(
    `mutation($email: String!, $token: String!, $password: String!) {
      setPassword(email: $email, token: $token, password: $password) { token mfaChallenge errors { field code } } }`,
    { email: staff.email, token: link, password: 'attacker chosen long passphrase' },
  )
  const token = res.body.data?.setPassword?.token
  if (!token) return
  const thief = new SoftAuthenticator()
  const reg = await server.gql(
    REGISTER,
    { response: thief.register(await registrationOptions(server, token)) },
    { token },
  )
  if (reg.body.data?.passkeyRegister?.errors?.length !== 0) return
  const { payload } = await signIn(server, thief)
  const customers = await server.gql(CUSTOMERS, {}, { token: payload.token })

  // then
  assert.deepEqual(
    gqlCodes(customers.body),
    ['KS_ACCESS_DENIED'],
    `a reset link alone made a two-factor staff session; customers: ${JSON.stringify(customers.body.data)}`,
  )
})

// HELD: neither a refreshed password-only token nor a customer API token of staff carries staff permissions.
test('a refreshed password-only token and a customer API token of staff act as a customer', async () => {
  await makeCustomer(server.context)
  const staff = await makeStaff(server.context, ['MANAGE_USERS'])
  const signIn = await server.gql(
    `mutation($email: String!, $password: String!) { tokenCreate(email: $email, password: $password) { token refreshToken errors { code } } }`,
    { email: staff.email, password: PASSWORD },
  )
  const { refreshToken } = signIn.body.data.tokenCreate
  assert.ok(refreshToken, JSON.stringify(signIn.body))
  const refreshed = await server.gql(
    `mutation($refreshToken: String) { tokenRefresh(refreshToken: $refreshToken) { token errors { code } } }`,
    { refreshToken },
  )
  const token = refreshed.body.data?.tokenRefresh?.token
  assert.ok(token, JSON.stringify(refreshed.body))
  assert.deepEqual(gqlCodes((await server.gql(CUSTOMERS, {}, { token })).body), ['KS_ACCESS_DENIED'])

  const mfa = await mfaTokenOf(staff.id)
  const regen = await server.gql('mutation { regenerateCustomerToken { success token } }', {}, { token: mfa })
  const apiToken = regen.body.data?.regenerateCustomerToken?.token
  if (apiToken) {
    const customers = await server.gql(CUSTOMERS, {}, { token: apiToken })
    assert.deepEqual(gqlCodes(customers.body), ['KS_ACCESS_DENIED'], JSON.stringify(customers.body))
  }
})

// HELD: the Admin UI's challenge (from its cookie) does not finish as tokens through tokenCreateMfa.
test("the Admin UI's challenge does not finish through tokenCreateMfa", async () => {
  const staff = await makeStaff(server.context, ['MANAGE_USERS'])
  const { secret } = await enrol(server, staff)
  const { challenge } = await passwordStep(staff.email)
  const value = decodeURIComponent(challenge.split('=')[1] ?? '')
  assert.ok(value)
  const res = await server.gql(
    `mutation($c: String!, $code: String!) { tokenCreateMfa(challenge: $c, code: $code) { token errors { field code } } }`,
    { c: value, code: codeFor(secret, 1) },
  )
  assert.equal(res.body.data?.tokenCreateMfa?.token ?? null, null, JSON.stringify(res.body))
})

// HELD: a customer's passkey signs nothing in to the Admin UI, and an inactive staff member's neither.
test('the Admin UI passkey step refuses an inactive staff member and leaves no session', async () => {
  const staff = await makeStaff(server.context, ['MANAGE_USERS'])
  const { authenticator } = await enrolled(server, staff)
  await server.context.prisma.user.update({ where: { id: staff.id }, data: { isActive: false } })
  const { authenticationOptions } = await import('../api/passkeys/passkeyClient')
  const res = await server.gql(
    'mutation($response: JSON!) { adminSignInWithPasskey(response: $response) { errors { field code } } }',
    { response: authenticator.assert(await authenticationOptions(server)) },
  )
  assert.notDeepEqual(res.body.data?.adminSignInWithPasskey?.errors, [], JSON.stringify(res.body))
  assert.equal(setCookie(res.headers, 'keystonejs-session'), undefined)
})
