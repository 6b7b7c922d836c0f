// accountDataExport and customerDataExport: the export holds what the account holds (profile,
// metadata, addresses, groups, events, sessions, passkeys, external accounts, mails sent, second
// factor) and none of its secrets; staff reach customers only, with MANAGE_USERS.
import '../../helpers/env'
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { startServer, type TestServer } from '../../helpers/server'
import { tokenFor } from '../../helpers/actors'
import { makeAddress, makeCustomer, makeCustomerGroup, makeStaff } from '../../helpers/factories'
import { issueOneTimeToken } from '../../../services/identity/oneTimeTokens'
import { impersonate, supportAndCustomer } from '../impersonation/impersonationClient'

const ACCOUNT_EXPORT = 'mutation { accountDataExport { data errors { field code } } }'
const CUSTOMER_EXPORT = 'mutation($id: ID!) { customerDataExport(id: $id) { data errors { field code } } }'

let server: TestServer

before(async () => {
  server = await startServer()
})
after(async () => {
  await server?.stop()
})

const hex = () => randomBytes(6).toString('hex')

/** A customer holding a row in every list that refers to a user, with secrets of every kind. */
async function wellKnownCustomer() {
  const prisma = server.context.prisma
  const customer = await makeCustomer(server.context, {
    metadata: { tier: 'gold' },
    privateMetadata: { risk: `private-${hex()}` },
    note: [{ type: 'paragraph', children: [{ text: `staff-note-${hex()}` }] }],
    phone: '+14155550123',
  })
  const address = await makeAddress(server.context, customer.id, { streetAddress1: `${hex()} Export Street` })
  const group = await makeCustomerGroup(server.context)
  await prisma.user.update({
    where: { id: customer.id },
    data: {
      customerGroups: { connect: { id: group.id } },
      customerTokenHash: `ctok-${hex()}`,
      totpSecret: `sealed-totp-${hex()}`,
      totpEnabledAt: new Date(),
    },
  })
  const staff = await makeStaff(server.context, ['MANAGE_USERS'])
  await prisma.accountEvent.create({
    data: {
      type: 'NOTE_ADDED',
      userId: customer.id,
      actorId: staff.id,
      parameters: { token: `evtok-${hex()}`, kept: 'yes' },
    },
  })
  await prisma.accountEvent.create({
    data: { type: 'PASSWORD_CHANGED', userId: customer.id, actorId: customer.id, parameters: {} },
  })
  const token = await tokenFor(server.context, customer.id)
  await prisma.passkeyCredential.create({
    data: { userId: customer.id, credentialId: `cred-${hex()}`, publicKey: `pk-${hex()}`, name: 'My laptop' },
  })
  await prisma.externalAccount.create({
    data: { userId: customer.id, provider: 'acme', subject: `sub-${hex()}`, identity: JSON.stringify(['acme', hex()]) },
  })
  await prisma.recoveryCode.createMany({
    data: [
      { userId: customer.id, codeHash: `rc-${hex()}` },
      { userId: customer.id, codeHash: `rc-${hex()}`, usedAt: new Date() },
    ],
  })
  const mail = await prisma.outboxMail.create({
    data: {
      userId: customer.id,
      to: customer.email,
      subject: 'Reset your password',
      template: 'PASSWORD_RESET',
      params: { email: customer.email, redirectUrl: `http://localhost:3001/reset-${hex()}` },
      sealedSecrets: `sealed-${hex()}`,
      status: 'sent',
      sentAt: new Date(),
    },
  })
  await issueOneTimeToken(server.context, { userId: customer.id, purpose: 'PASSWORD_RESET' })
  await prisma.authChallenge.create({
    data: {
      userId: customer.id,
      purpose: 'MFA_SIGN_IN',
      challengeHash: `ch-${hex()}`,
      payload: { secretState: `state-${hex()}` },
      expiresAt: new Date(Date.now() + 300_000),
    },
  })
  return { customer, address, group, staff, token, mail }
}

/** Every secret value the user's rows hold, read from the database. */
async function secretsOf(userId: string): Promise<string[]> {
  const prisma = server.context.prisma
  const user = await prisma.user.findUniqueOrThrow({ where: { id: userId } })
  const values: unknown[] = [user.password, user.jwtTokenKey, user.customerTokenHash, user.totpSecret]
  for (const s of await prisma.authSession.findMany({ where: { userId } })) values.push(s.tokenKey)
  for (const t of await prisma.oneTimeToken.findMany({ where: { userId } })) values.push(t.tokenHash)
  for (const c of await prisma.authChallenge.findMany({ where: { userId } }))
    values.push(c.challengeHash, JSON.stringify(c.payload))
  for (const r of await prisma.recoveryCode.findMany({ where: { userId } })) values.push(r.codeHash)
  for (const p of await prisma.passkeyCredential.findMany({ where: { userId } })) values.push(p.publicKey)
  for (const m of await prisma.outboxMail.findMany({ where: { userId } }))
    values.push(m.sealedSecrets, (m.params as { redirectUrl: string }).redirectUrl)
  for (const e of await prisma.accountEvent.findMany({ where: { userId } }))
    values.push((e.parameters as { token?: string }).token)
  return values.filter((v): v is string => typeof v === 'string' && v.length > 0)
}

test('accountDataExport holds everything the account holds, and none of its secrets', async () => {
  // given
  const { customer, address, group, staff, token, mail } = await wellKnownCustomer()
  // when
  const res = await server.gql(ACCOUNT_EXPORT, {}, { token })
  // then
  assert.deepEqual(res.body.data.accountDataExport.errors, [])
  const text: string = res.body.data.accountDataExport.data
  assert.equal(typeof text, 'string', 'a JSONString')
  const data = JSON.parse(text)
  assert.equal(data.user.id, customer.id)
  assert.equal(data.user.email, customer.email)
  assert.equal(data.user.firstName, 'Casey')
  assert.equal(data.user.phone, '+14155550123')
  assert.deepEqual(data.user.metadata, { tier: 'gold' })
  assert.equal(data.user.totpEnabled, true)
  assert.equal(data.user.recoveryCodesLeft, 1)
  assert.equal(data.user.privateMetadata, undefined, 'the shop’s private metadata is not the storefront’s')
  assert.equal(data.user.note, undefined)
  assert.deepEqual(
    data.addresses.map((a: { id: string; streetAddress1: string }) => [a.id, a.streetAddress1]),
    [[address.id, address.streetAddress1]],
  )
  assert.deepEqual(
    data.customerGroups.map((g: { id: string; name: string }) => [g.id, g.name]),
    [[group.id, group.name]],
  )
  const note = data.events.find((e: { type: string }) => e.type === 'NOTE_ADDED')
  assert.deepEqual(note.actor, { id: staff.id, self: false }, 'a staff actor by id, without its email')
  assert.deepEqual(note.parameters, { kept: 'yes' }, 'a secret-named parameter is dropped')
  assert.deepEqual(data.events.find((e: { type: string }) => e.type === 'PASSWORD_CHANGED').actor, {
    id: customer.id,
    self: true,
  })
  assert.equal(data.sessions.length, 1)
  assert.deepEqual(
    [data.sessions[0].ip, data.sessions[0].userAgent, data.sessions[0].amr],
    ['127.0.0.1', 'tests', 'pwd'],
  )
  assert.deepEqual(
    data.passkeys.map((p: { name: string }) => p.name),
    ['My laptop'],
  )
  assert.equal(data.externalAccounts[0].provider, 'acme')
  assert.deepEqual(
    data.mails.map((m: Record<string, unknown>) => [m.id, m.template, m.subject, m.status, m.params]),
    [[mail.id, 'PASSWORD_RESET', 'Reset your password', 'sent', undefined]],
  )
  assert.equal(data.mailedLinks[0].purpose, 'PASSWORD_RESET')
  assert.equal(data.signInChallenges[0].purpose, 'MFA_SIGN_IN')
  for (const secret of await secretsOf(customer.id)) assert.ok(!text.includes(secret), `no secret ${secret}`)
  const user = await server.context.prisma.user.findUniqueOrThrow({ where: { id: customer.id } })
  assert.ok(!text.includes(JSON.stringify(user.privateMetadata).slice(1, -1)))
  // and the export is on the record
  const recorded = await server.context.prisma.accountEvent.findMany({
    where: { userId: customer.id, type: 'DATA_EXPORTED' },
  })
  assert.deepEqual(
    recorded.map(e => [e.actorId, e.parameters]),
    [[customer.id, { by: 'self' }]],
  )
})

test('accountDataExport refuses an anonymous caller', async () => {
  const res = await server.gql(ACCOUNT_EXPORT)
  assert.equal(res.body.errors?.[0]?.extensions?.code, 'KS_ACCESS_DENIED')
})

test('customerDataExport gives staff with MANAGE_USERS the whole record, notes and private metadata included', async () => {
  // given
  const { customer, staff } = await wellKnownCustomer()
  const staffToken = await tokenFor(server.context, staff.id)
  // when
  const res = await server.gql(CUSTOMER_EXPORT, { id: customer.id }, { token: staffToken })
  // then
  assert.deepEqual(res.body.data.customerDataExport.errors, [])
  const text: string = res.body.data.customerDataExport.data
  const data = JSON.parse(text)
  const user = await server.context.prisma.user.findUniqueOrThrow({ where: { id: customer.id } })
  assert.deepEqual(data.user.privateMetadata, user.privateMetadata)
  assert.deepEqual(data.user.note, user.note)
  assert.equal(data.events.find((e: { type: string }) => e.type === 'NOTE_ADDED').actor.email, staff.email)
  for (const secret of await secretsOf(customer.id)) assert.ok(!text.includes(secret), `no secret ${secret}`)
  const recorded = await server.context.prisma.accountEvent.findMany({
    where: { userId: customer.id, type: 'DATA_EXPORTED' },
  })
  assert.deepEqual(
    recorded.map(e => [e.actorId, e.parameters]),
    [[staff.id, { by: 'staff' }]],
  )
})

test('customerDataExport is refused without MANAGE_USERS, and a staff user or a missing id is NOT_FOUND', async () => {
  const customer = await makeCustomer(server.context)
  const other = await makeCustomer(server.context)
  const asCustomer = await server.gql(
    CUSTOMER_EXPORT,
    { id: other.id },
    { token: await tokenFor(server.context, customer.id) },
  )
  assert.equal(asCustomer.body.errors?.[0]?.extensions?.code, 'KS_ACCESS_DENIED')
  const withoutPermission = await makeStaff(server.context, ['MANAGE_STAFF'])
  const refused = await server.gql(
    CUSTOMER_EXPORT,
    { id: other.id },
    { token: await tokenFor(server.context, withoutPermission.id) },
  )
  assert.equal(refused.body.errors?.[0]?.extensions?.code, 'KS_ACCESS_DENIED')

  const manager = await makeStaff(server.context, ['MANAGE_USERS'])
  const managerToken = await tokenFor(server.context, manager.id)
  const colleague = await makeStaff(server.context, ['MANAGE_USERS'])
  for (const id of [colleague.id, manager.id, 'no-such-user']) {
    const res = await server.gql(CUSTOMER_EXPORT, { id }, { token: managerToken })
    assert.deepEqual(res.body.data.customerDataExport, { data: null, errors: [{ field: 'id', code: 'NOT_FOUND' }] })
  }
  assert.equal(
    await server.context.prisma.accountEvent.count({ where: { type: 'DATA_EXPORTED', actorId: manager.id } }),
    0,
  )
})

test("accountDataExport refuses a customer API token: an integration's credential reads the profile, not the whole record", async () => {
  const customer = await makeCustomer(server.context)
  const session = await tokenFor(server.context, customer.id)
  const regenerated = await server.gql('mutation { regenerateCustomerToken { token } }', {}, { token: session })
  const apiToken: string = regenerated.body.data.regenerateCustomerToken.token
  const res = await server.gql(ACCOUNT_EXPORT, {}, { token: apiToken })
  assert.equal(res.body.errors?.[0]?.extensions?.code, 'KS_ACCESS_DENIED')
  assert.equal(
    await server.context.prisma.accountEvent.count({ where: { userId: customer.id, type: 'DATA_EXPORTED' } }),
    0,
  )
})

test('an impersonating staff member may not take the export (IMPERSONATION_FORBIDDEN); nothing is recorded as exported', async () => {
  // given an impersonation session of the customer, opened by a staff member without MANAGE_USERS
  const { customer, staffToken } = await supportAndCustomer(server.context)
  const token = await impersonate(server, staffToken, customer.id)
  // when
  const res = await server.gql(ACCOUNT_EXPORT, {}, { token })
  // then
  assert.deepEqual(
    res.body.data.accountDataExport.errors.map((e: { code: string }) => e.code),
    ['IMPERSONATION_FORBIDDEN'],
  )
  assert.equal(res.body.data.accountDataExport.data, null)
  const recorded = await server.context.prisma.accountEvent.count({
    where: { userId: customer.id, type: 'DATA_EXPORTED' },
  })
  assert.equal(recorded, 0)
})

test("a staff member's own export holds its permission groups", async () => {
  const staff = await makeStaff(server.context, ['MANAGE_USERS'])
  const res = await server.gql(ACCOUNT_EXPORT, {}, { token: await tokenFor(server.context, staff.id) })
  const data = JSON.parse(res.body.data.accountDataExport.data)
  const groups = await server.context.prisma.permissionGroup.findMany({ where: { users: { some: { id: staff.id } } } })
  assert.ok(groups.length > 0)
  assert.deepEqual(
    data.permissionGroups.map((g: { id: string; permissions: string[] }) => [g.id, g.permissions]),
    groups.map(g => [g.id, g.permissions]),
  )
  assert.equal(data.user.isStaff, true)
})
