// Only the redemption of a link mailed to an address proves its mailbox (issue 16, finding 2).
// The proof is its own fact on the user (emailVerifiedAt, emailVerifiedBy), set only by redeeming a
// mailed link (confirmAccount, setPassword, confirmEmailChange), cleared when the email changes on
// any path, and never writable through the API. Promotion to staff keeps a password only on a proven
// mailbox: `isConfirmed`, set by the configuration (ACCOUNT_CONFIRMATION_REQUIRED=false) or by support
// (customerUpdate, updateUser), proves nothing, so the registrant of a future staff member's email
// keeps nothing when that account is promoted. Staff who create a staff user WITH a password chose
// it themselves: that agent signs in.
import '../helpers/env'
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, type TestServer } from '../helpers/server'
import { startMailbox, tokenFromMail, type Mailbox } from '../helpers/mailbox'
import { PASSWORD, makeCustomer, makePermissionGroup, makeStaff, makeSuperuser } from '../helpers/factories'
import { tokenFor } from '../helpers/actors'
import { assertTokenRefused } from '../helpers/refusals'
import { issueOneTimeToken } from '../../services/identity/oneTimeTokens'

const ATTACKER_PASSWORD = 'the attacker chose this passphrase'
const OWNER_PASSWORD = 'the real owner picked this one'
const REDIRECT = 'http://localhost:3001/reset'

const REGISTER =
  'mutation($email: String!, $password: String!) { accountRegister(input: { email: $email, password: $password, redirectUrl: "http://localhost:3001/confirm" }) { requiresConfirmation errors { code } } }'
const CONFIRM =
  'mutation($email: String!, $token: String!) { confirmAccount(email: $email, token: $token) { errors { code } } }'
const TOKEN_CREATE =
  'mutation($email: String!, $password: String!) { tokenCreate(email: $email, password: $password) { token errors { code } } }'
const ADMIN_SIGN_IN =
  'mutation($email: String!, $password: String!) { authenticateUserWithPassword(email: $email, password: $password) { __typename } }'
const STAFF_CREATE =
  'mutation($input: StaffCreateInput!) { staffCreate(input: $input) { user { id isStaff } errors { field code } } }'
const CUSTOMER_UPDATE =
  'mutation($id: ID!, $input: CustomerInput!) { customerUpdate(id: $id, input: $input) { errors { field code } } }'
const UPDATE_USER = 'mutation($id: ID!, $data: UserUpdateInput!) { updateUser(where: { id: $id }, data: $data) { id } }'
const SET_PASSWORD =
  'mutation($email: String!, $token: String!, $password: String!) { setPassword(email: $email, token: $token, password: $password) { token errors { code } } }'
const REQUEST_RESET = `mutation($email: String!) { requestPasswordReset(email: $email, redirectUrl: "${REDIRECT}") { errors { code } } }`
const ME = '{ me { id email isStaff emailVerifiedAt emailVerifiedBy userPermissions } }'

type Setup = { server: TestServer; managerToken: string; groupId: string }

async function setUp(mailbox: Mailbox, env: Record<string, string> = {}): Promise<Setup> {
  const server = await startServer({ env: { SMTP_URL: mailbox.url, OUTBOX_POLL_MS: '100', ...env } })
  const manager = await makeStaff(server.context, ['MANAGE_STAFF', 'MANAGE_USERS'])
  const managerToken = await tokenFor(server.context, manager.id)
  const groupId = (await makePermissionGroup(server.context, ['MANAGE_USERS'])).id
  return { server, managerToken, groupId }
}

async function register(server: TestServer, email: string, password = ATTACKER_PASSWORD) {
  const res = await server.gql(REGISTER, { email, password })
  assert.deepEqual(res.body.data.accountRegister.errors, [])
  return server.context.prisma.user.findUniqueOrThrow({ where: { email } })
}

async function signsIn(server: TestServer, email: string, password: string): Promise<{ api: boolean; admin: boolean }> {
  const api = await server.gql(TOKEN_CREATE, { email, password })
  const admin = await server.gql(ADMIN_SIGN_IN, { email, password })
  return {
    api: Boolean(api.body.data?.tokenCreate?.token),
    admin: admin.body.data?.authenticateUserWithPassword?.__typename === 'UserAuthenticationWithPasswordSuccess',
  }
}

async function proofOf(server: TestServer, id: string) {
  const user = await server.context.prisma.user.findUniqueOrThrow({ where: { id } })
  return { at: user.emailVerifiedAt, by: user.emailVerifiedBy, hasPassword: user.password !== null }
}

describe('with ACCOUNT_CONFIRMATION_REQUIRED=false (accounts confirmed by configuration)', () => {
  let mailbox: Mailbox
  let setup: Setup
  before(async () => {
    mailbox = await startMailbox()
    setup = await setUp(mailbox, { ACCOUNT_CONFIRMATION_REQUIRED: 'false' })
  })
  after(async () => {
    await setup?.server.stop()
    await mailbox?.stop()
  })

  test("staffCreate on a pre-registered email: the registrant's password signs in nowhere, the owner sets one through the invite", async () => {
    // given: the attacker registers the address the shop will promote; it is confirmed by configuration
    const { server, managerToken, groupId } = setup
    const email = 'future-agent@example.com'
    const registered = await register(server, email)
    assert.equal(registered.isConfirmed, true)
    assert.deepEqual(await proofOf(server, registered.id), { at: null, by: null, hasPassword: true })
    const attackerToken = (await server.gql(TOKEN_CREATE, { email, password: ATTACKER_PASSWORD })).body.data.tokenCreate
      .token
    assert.ok(attackerToken)
    // when: the shop makes that address staff, with an invite
    const created = await server.gql(
      STAFF_CREATE,
      { input: { email, redirectUrl: REDIRECT, addGroups: [groupId] } },
      { token: managerToken },
    )
    // then
    assert.deepEqual(created.body.data.staffCreate.errors, [])
    assert.equal(created.body.data.staffCreate.user.id, registered.id)
    assert.deepEqual(await signsIn(server, email, ATTACKER_PASSWORD), { api: false, admin: false })
    assertTokenRefused(await server.gql(ME, {}, { token: attackerToken }), 'JWT_INVALID_TOKEN')
    assert.equal((await proofOf(server, registered.id)).hasPassword, false)
    // the owner reads the invite and sets a password: that proves the mailbox
    const invite = await mailbox.next(email, /password/i)
    const set = await server.gql(SET_PASSWORD, { email, token: tokenFromMail(invite), password: OWNER_PASSWORD })
    assert.deepEqual(set.body.data.setPassword.errors, [])
    const me = (await server.gql(ME, {}, { token: set.body.data.setPassword.token })).body.data.me
    assert.equal(me.emailVerifiedBy, 'PASSWORD_RESET')
    assert.ok(me.emailVerifiedAt)
    assert.deepEqual(me.userPermissions, ['MANAGE_USERS'])
    assert.deepEqual(await signsIn(server, email, OWNER_PASSWORD), { api: true, admin: true })
  })

  test('the generated updateUser promotion of a registrant confirmed by configuration drops its password too', async () => {
    // given
    const { server, managerToken, groupId } = setup
    const email = 'future-agent-generated@example.com'
    const registered = await register(server, email)
    // when
    const promoted = await server.gql(
      UPDATE_USER,
      { id: registered.id, data: { isStaff: true, permissionGroups: { connect: [{ id: groupId }] } } },
      { token: managerToken },
    )
    // then
    assert.equal(promoted.body.errors, undefined, JSON.stringify(promoted.body.errors))
    assert.deepEqual(await signsIn(server, email, ATTACKER_PASSWORD), { api: false, admin: false })
    assert.equal((await proofOf(server, registered.id)).hasPassword, false)
  })
})

describe('in the default configuration', () => {
  let mailbox: Mailbox
  let setup: Setup
  before(async () => {
    mailbox = await startMailbox()
    setup = await setUp(mailbox)
  })
  after(async () => {
    await setup?.server.stop()
    await mailbox?.stop()
  })

  test('support marks the registrant confirmed with customerUpdate, then staffCreate: the registrant keeps nothing', async () => {
    // given
    const { server, managerToken, groupId } = setup
    const email = 'helpdesk-agent@example.com'
    const registered = await register(server, email)
    const confirmed = await server.gql(
      CUSTOMER_UPDATE,
      { id: registered.id, input: { isConfirmed: true } },
      { token: managerToken },
    )
    assert.deepEqual(confirmed.body.data.customerUpdate.errors, [])
    assert.equal((await signsIn(server, email, ATTACKER_PASSWORD)).api, true)
    // when
    const created = await server.gql(
      STAFF_CREATE,
      { input: { email, redirectUrl: REDIRECT, addGroups: [groupId] } },
      { token: managerToken },
    )
    // then
    assert.deepEqual(created.body.data.staffCreate.errors, [])
    assert.deepEqual(await signsIn(server, email, ATTACKER_PASSWORD), { api: false, admin: false })
    assert.deepEqual(await proofOf(server, registered.id), { at: null, by: null, hasPassword: false })
    assert.ok(await mailbox.next(email, /password/i))
  })

  test('support marks the registrant confirmed with the generated updateUser, then promotes it with updateUser', async () => {
    // given
    const { server, managerToken, groupId } = setup
    const email = 'helpdesk-generated@example.com'
    const registered = await register(server, email)
    await server.gql(UPDATE_USER, { id: registered.id, data: { isConfirmed: true } }, { token: managerToken })
    // when
    const promoted = await server.gql(
      UPDATE_USER,
      { id: registered.id, data: { isStaff: true, permissionGroups: { connect: [{ id: groupId }] } } },
      { token: managerToken },
    )
    // then
    assert.equal(promoted.body.errors, undefined, JSON.stringify(promoted.body.errors))
    assert.deepEqual(await signsIn(server, email, ATTACKER_PASSWORD), { api: false, admin: false })
    assert.equal((await proofOf(server, registered.id)).hasPassword, false)
  })

  test('confirmed and promoted in one updateUser: the registrant keeps nothing', async () => {
    // given
    const { server, managerToken } = setup
    const email = 'helpdesk-onestep@example.com'
    const registered = await register(server, email)
    // when
    await server.gql(
      UPDATE_USER,
      { id: registered.id, data: { isConfirmed: true, isStaff: true } },
      { token: managerToken },
    )
    // then
    assert.deepEqual(await signsIn(server, email, ATTACKER_PASSWORD), { api: false, admin: false })
  })

  test('a customer who confirmed through the mailed link holds the proof, reads it, and keeps its password when promoted', async () => {
    // given
    const { server, managerToken, groupId } = setup
    const email = 'proven-shopper@example.com'
    const registered = await register(server, email, OWNER_PASSWORD)
    const mail = await mailbox.next(email, /confirm/i)
    // when
    const confirmed = await server.gql(CONFIRM, { email, token: tokenFromMail(mail) })
    // then
    assert.deepEqual(confirmed.body.data.confirmAccount.errors, [])
    const login = await server.gql(TOKEN_CREATE, { email, password: OWNER_PASSWORD })
    const me = (await server.gql(ME, {}, { token: login.body.data.tokenCreate.token })).body.data.me
    assert.equal(me.emailVerifiedBy, 'ACCOUNT_CONFIRMATION')
    assert.ok(Date.parse(me.emailVerifiedAt) > Date.now() - 60_000)
    // a manager reads it too; another customer reads nothing of it
    const managed = await server.gql(
      'query($id: ID!) { user(where: { id: $id }) { emailVerifiedBy } }',
      { id: registered.id },
      { token: managerToken },
    )
    assert.equal(managed.body.data.user.emailVerifiedBy, 'ACCOUNT_CONFIRMATION')
    const other = await makeCustomer(server.context)
    const stranger = await server.gql(
      'query($id: ID!) { user(where: { id: $id }) { emailVerifiedBy } }',
      { id: registered.id },
      { token: await tokenFor(server.context, other.id) },
    )
    assert.equal(stranger.body.data?.user ?? null, null)
    // the owner proved the mailbox: promotion keeps the password it chose
    await server.gql(STAFF_CREATE, { input: { email, addGroups: [groupId] } }, { token: managerToken })
    assert.deepEqual(await signsIn(server, email, OWNER_PASSWORD), { api: true, admin: true })
  })

  test("a staff change of a proven customer's email clears the proof, and a later promotion drops the password", async () => {
    // given: the attacker proves its own address, then talks support into moving the account to the victim's
    const { server, managerToken, groupId } = setup
    const own = 'attacker-own@example.com'
    const target = 'victim-agent@example.com'
    const registered = await register(server, own)
    await server.gql(CONFIRM, { email: own, token: tokenFromMail(await mailbox.next(own, /confirm/i)) })
    assert.equal((await proofOf(server, registered.id)).by, 'ACCOUNT_CONFIRMATION')
    // when
    const moved = await server.gql(
      CUSTOMER_UPDATE,
      { id: registered.id, input: { email: target } },
      { token: managerToken },
    )
    assert.deepEqual(moved.body.data.customerUpdate.errors, [])
    // then
    assert.deepEqual(await proofOf(server, registered.id), { at: null, by: null, hasPassword: true })
    await server.gql(STAFF_CREATE, { input: { email: target, addGroups: [groupId] } }, { token: managerToken })
    assert.deepEqual(await signsIn(server, target, ATTACKER_PASSWORD), { api: false, admin: false })
  })

  test('a new email and the promotion in one updateUser: the old proof does not carry the password over', async () => {
    // given: a proven customer
    const { server, managerToken } = setup
    const own = 'moved-in-one@example.com'
    const target = 'moved-in-one-target@example.com'
    const registered = await register(server, own)
    await server.gql(CONFIRM, { email: own, token: tokenFromMail(await mailbox.next(own, /confirm/i)) })
    // when
    const res = await server.gql(
      UPDATE_USER,
      { id: registered.id, data: { email: target, isStaff: true } },
      { token: managerToken },
    )
    // then
    assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors))
    assert.deepEqual(await proofOf(server, registered.id), { at: null, by: null, hasPassword: false })
    assert.deepEqual(await signsIn(server, target, ATTACKER_PASSWORD), { api: false, admin: false })
  })

  test("staffUpdate of a staff member's email clears the proof", async () => {
    // given: a staff member who proved its mailbox through a reset
    const { server, managerToken } = setup
    const staff = await makeStaff(server.context, [])
    await server.gql(REQUEST_RESET, { email: staff.email })
    const reset = await mailbox.next(staff.email, /password/i)
    await server.gql(SET_PASSWORD, { email: staff.email, token: tokenFromMail(reset), password: OWNER_PASSWORD })
    assert.equal((await proofOf(server, staff.id)).by, 'PASSWORD_RESET')
    // when
    const res = await server.gql(
      'mutation($id: ID!, $input: StaffUpdateInput!) { staffUpdate(id: $id, input: $input) { errors { code } } }',
      { id: staff.id, input: { email: 'renamed-agent@example.com' } },
      { token: managerToken },
    )
    // then
    assert.deepEqual(res.body.data.staffUpdate.errors, [])
    assert.deepEqual(await proofOf(server, staff.id), { at: null, by: null, hasPassword: true })
  })

  test('the verified email change proves the new mailbox, and a reset link mailed to the old address dies with it', async () => {
    // given: a customer with a pending reset link at its old address
    const { server } = setup
    const customer = await makeCustomer(server.context)
    const newEmail = 'changed-mailbox@example.com'
    await server.gql(REQUEST_RESET, { email: customer.email })
    const oldLink = tokenFromMail(await mailbox.next(customer.email, /password/i))
    const token = (await server.gql(TOKEN_CREATE, { email: customer.email, password: PASSWORD })).body.data.tokenCreate
      .token
    // when
    const requested = await server.gql(
      `mutation($p: String!, $e: String!) { requestEmailChange(password: $p, newEmail: $e, redirectUrl: "${REDIRECT}") { errors { code } } }`,
      { p: PASSWORD, e: newEmail },
      { token },
    )
    assert.deepEqual(requested.body.data.requestEmailChange.errors, [])
    const link = tokenFromMail(await mailbox.next(newEmail, /email/i))
    const changed = await server.gql(
      'mutation($t: String!) { confirmEmailChange(token: $t) { errors { code } } }',
      { t: link },
      { token },
    )
    // then
    assert.deepEqual(changed.body.data.confirmEmailChange.errors, [])
    const proof = await proofOf(server, customer.id)
    assert.equal(proof.by, 'EMAIL_CHANGE')
    const late = await server.gql(SET_PASSWORD, { email: newEmail, token: oldLink, password: OWNER_PASSWORD })
    assert.equal(late.body.data.setPassword.errors[0].code, 'INVALID')
    assert.equal((await proofOf(server, customer.id)).by, 'EMAIL_CHANGE')
    const again = await server.gql(TOKEN_CREATE, { email: newEmail, password: PASSWORD })
    const me = (await server.gql(ME, {}, { token: again.body.data.tokenCreate.token })).body.data.me
    assert.equal(me.emailVerifiedBy, 'EMAIL_CHANGE')
  })

  test('a link issued without the address it was mailed to (an older link) still works but proves nothing', async () => {
    // given
    const { server } = setup
    const customer = await makeCustomer(server.context)
    const token = await issueOneTimeToken(server.context, { userId: customer.id, purpose: 'PASSWORD_RESET' })
    // when
    const set = await server.gql(SET_PASSWORD, { email: customer.email, token, password: OWNER_PASSWORD })
    // then
    assert.deepEqual(set.body.data.setPassword.errors, [])
    assert.equal((await proofOf(server, customer.id)).by, null)
  })

  test('the proof cannot be written through createUser, updateUser or the Admin UI inputs', async () => {
    // given
    const { server, managerToken } = setup
    const superuser = await makeSuperuser(server.context)
    const superToken = await tokenFor(server.context, superuser.id)
    const customer = await makeCustomer(server.context)
    const customerToken = await tokenFor(server.context, customer.id)
    const email = 'self-proven@example.com'
    // when / then: as the customer on itself, as a manager and as a superuser, by literal and by variable
    const attempts = [
      server.gql(
        'mutation { updateUser(where: { id: "' +
          customer.id +
          '" }, data: { emailVerifiedBy: "OPERATOR_SEED", emailVerifiedAt: "2026-01-01T00:00:00Z" }) { id } }',
        {},
        { token: customerToken },
      ),
      server.gql(
        UPDATE_USER,
        { id: customer.id, data: { emailVerifiedBy: 'PASSWORD_RESET' } },
        { token: managerToken },
      ),
      server.gql(
        UPDATE_USER,
        { id: customer.id, data: { emailVerifiedAt: new Date().toISOString(), isStaff: true } },
        { token: superToken },
      ),
      server.gql(
        'mutation($data: UserCreateInput!) { createUser(data: $data) { id } }',
        { data: { email, password: ATTACKER_PASSWORD, emailVerifiedBy: 'ACCOUNT_CONFIRMATION' } },
        { token: superToken },
      ),
      server.gql(
        'mutation($data: [UserCreateInput!]!) { createUsers(data: $data) { id } }',
        { data: [{ email: 'bulk-proven@example.com', emailVerifiedAt: new Date().toISOString() }] },
        { token: managerToken },
      ),
      // nested, through another list's relationship, and in bulk
      server.gql(
        'mutation($data: PermissionGroupCreateInput!) { createPermissionGroup(data: $data) { id } }',
        {
          data: {
            name: 'nested-proof',
            users: { create: [{ email: 'nested-proven@example.com', emailVerifiedBy: 'PASSWORD_RESET' }] },
          },
        },
        { token: superToken },
      ),
      server.gql(
        'mutation($data: [UserUpdateArgs!]!) { updateUsers(data: $data) { id } }',
        { data: [{ where: { id: customer.id }, data: { emailVerifiedBy: 'EMAIL_CHANGE' } }] },
        { token: superToken },
      ),
    ]
    for (const res of await Promise.all(attempts)) {
      assert.ok(res.body.errors?.length, JSON.stringify(res.body))
      assert.doesNotMatch(JSON.stringify(res.body.errors), /prisma|invocation/i)
    }
    assert.deepEqual(await proofOf(server, customer.id), { at: null, by: null, hasPassword: true })
    assert.equal(await server.context.prisma.permissionGroup.count({ where: { name: 'nested-proof' } }), 0)
    assert.equal((await server.context.prisma.user.findUnique({ where: { id: customer.id } }))!.isStaff, false)
    assert.equal(
      await server.context.prisma.user.count({
        where: { email: { in: [email, 'bulk-proven@example.com', 'nested-proven@example.com'] } },
      }),
      0,
    )
  })

  test('a staff user created with a password by the superuser (the Admin UI story) signs in: its creator chose the password', async () => {
    // given
    const { server } = setup
    const superuser = await makeSuperuser(server.context)
    const groupId = (await makePermissionGroup(server.context, ['MANAGE_USERS'])).id
    const email = 'support-agent-new@example.com'
    // when
    const created = await server.gql(
      'mutation($data: UserCreateInput!) { createUser(data: $data) { id } }',
      { data: { email, password: OWNER_PASSWORD, isStaff: true, permissionGroups: { connect: [{ id: groupId }] } } },
      { token: await tokenFor(server.context, superuser.id) },
    )
    // then
    assert.equal(created.body.errors, undefined, JSON.stringify(created.body.errors))
    assert.deepEqual(await signsIn(server, email, OWNER_PASSWORD), { api: true, admin: true })
    assert.deepEqual(await proofOf(server, created.body.data.createUser.id), { at: null, by: null, hasPassword: true })
  })

  test('a manager who sets the password in the promoting change keeps it: the manager chose it', async () => {
    // given
    const { server, managerToken } = setup
    const customer = await makeCustomer(server.context)
    // when
    await server.gql(
      UPDATE_USER,
      { id: customer.id, data: { isStaff: true, password: OWNER_PASSWORD } },
      { token: managerToken },
    )
    // then
    assert.deepEqual(await signsIn(server, customer.email, OWNER_PASSWORD), { api: true, admin: true })
    assert.deepEqual(await signsIn(server, customer.email, PASSWORD), { api: false, admin: false })
  })

  test('a redemption racing a staff email change never leaves a proof on the new address', async () => {
    const { server, managerToken } = setup
    for (let round = 0; round < 6; round++) {
      // given: a reset link mailed to the customer's current address
      const customer = await makeCustomer(server.context)
      const token = await issueOneTimeToken(server.context, {
        userId: customer.id,
        purpose: 'PASSWORD_RESET',
        sentTo: customer.email,
      })
      const target = `raced-${round}-${customer.id.slice(-6)}@example.com`
      // when: the owner redeems it while staff move the account to another address
      await Promise.all([
        server.gql(SET_PASSWORD, { email: customer.email, token, password: OWNER_PASSWORD }),
        server.gql(CUSTOMER_UPDATE, { id: customer.id, input: { email: target } }, { token: managerToken }),
      ])
      // then
      const user = await server.context.prisma.user.findUniqueOrThrow({ where: { id: customer.id } })
      if (user.email === target) assert.equal(user.emailVerifiedBy, null, `round ${round}`)
    }
  })
})
