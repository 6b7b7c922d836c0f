// userSecondFactorReset (API.md §9, issue 20): staff reset the second factor of a customer who lost
// its phone. TOTP off, recovery codes and passkeys gone, every session ended, SECOND_FACTOR_RESET
// recorded with the staff member as actor and mailed to the user; `secondFactorEnabled` tells staff
// whether there is one. A customer's takes MANAGE_USERS, a staff user's a superuser; nothing to
// reset is INVALID and changes nothing; out of reach is NOT_FOUND. The Admin UI's action
// (resetSecondFactorUser) runs the same service.
import '../../helpers/env'
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, type TestServer } from '../../helpers/server'
import { makeCustomer, makeStaff, makeSuperuser } from '../../helpers/factories'
import { tokenFor } from '../../helpers/actors'

const RESET = 'mutation($id: ID!) { userSecondFactorReset(id: $id) { errors { field code message } } }'
const ACTION = 'mutation($id: ID!) { resetSecondFactorUser(where: { id: $id }) { id } }'
const ENABLED = 'query($id: ID!) { user(where: { id: $id }) { id secondFactorEnabled } }'
const ME = '{ me { id secondFactorEnabled } }'

let server: TestServer

before(async () => {
  server = await startServer()
})
after(async () => {
  await server?.stop()
})

/** Give a user TOTP (enabled), two recovery codes and a passkey, as enrolment leaves them. */
async function enrol(userId: string, { totp = true, passkey = true } = {}) {
  const prisma = server.context.prisma
  if (totp) {
    await prisma.user.update({
      where: { id: userId },
      data: { totpSecret: 'sealed-secret-of-the-test', totpEnabledAt: new Date() },
    })
    for (const codeHash of ['hash-one', 'hash-two']) await prisma.recoveryCode.create({ data: { userId, codeHash } })
  }
  if (passkey)
    await prisma.passkeyCredential.create({
      data: { userId, credentialId: `cred-${userId}`, publicKey: 'pk', name: 'Phone' },
    })
}

async function factorsOf(userId: string) {
  const prisma = server.context.prisma
  const user = await prisma.user.findUniqueOrThrow({ where: { id: userId } })
  return {
    totpSecret: user.totpSecret,
    totpPendingSecret: user.totpPendingSecret,
    totpEnabledAt: user.totpEnabledAt,
    recoveryCodes: await prisma.recoveryCode.count({ where: { userId } }),
    passkeys: await prisma.passkeyCredential.count({ where: { userId } }),
  }
}

const meCode = async (token: string) => {
  const { body } = await server.gql('{ me { id } }', {}, { token })
  return body.data?.me?.id ?? body.errors?.[0]?.extensions?.code
}

test('MANAGE_USERS resets a customer’s TOTP, recovery codes and passkeys, ends its sessions, records and mails it', async () => {
  // given
  const customer = await makeCustomer(server.context)
  await enrol(customer.id)
  await server.context.prisma.user.update({ where: { id: customer.id }, data: { totpPendingSecret: 'pending' } })
  const customerToken = await tokenFor(server.context, customer.id)
  const agent = await makeStaff(server.context, ['MANAGE_USERS'])
  const token = await tokenFor(server.context, agent.id)
  const before = await server.gql(ENABLED, { id: customer.id }, { token })

  // when
  const { body } = await server.gql(RESET, { id: customer.id }, { token })

  // then
  assert.deepEqual(body.data?.userSecondFactorReset, { errors: [] }, JSON.stringify(body))
  assert.equal(before.body.data?.user?.secondFactorEnabled, true)
  const afterRead = await server.gql(ENABLED, { id: customer.id }, { token })
  assert.equal(afterRead.body.data?.user?.secondFactorEnabled, false)
  assert.deepEqual(await factorsOf(customer.id), {
    totpSecret: null,
    totpPendingSecret: null,
    totpEnabledAt: null,
    recoveryCodes: 0,
    passkeys: 0,
  })
  assert.equal(await meCode(customerToken), 'JWT_INVALID_TOKEN')
  assert.equal(await meCode(token), agent.id, 'the staff member stays signed in')
  const events = await server.context.prisma.accountEvent.findMany({
    where: { userId: customer.id, type: 'SECOND_FACTOR_RESET' },
  })
  assert.equal(events.length, 1)
  assert.equal(events[0]!.actorId, agent.id)
  assert.deepEqual(events[0]!.parameters, { totp: true, passkeys: 1, recovery_codes: 2 })
  const mails = await server.context.prisma.outboxMail.findMany({
    where: { userId: customer.id, template: 'SECOND_FACTOR_RESET' },
  })
  assert.equal(mails.length, 1)
  assert.equal(mails[0]!.to, customer.email)
})

test('a customer with passkeys only is reset too; one with no second factor is INVALID and nothing changes', async () => {
  // given
  const withPasskey = await makeCustomer(server.context)
  await enrol(withPasskey.id, { totp: false })
  const without = await makeCustomer(server.context)
  await server.context.prisma.user.update({ where: { id: without.id }, data: { totpPendingSecret: 'pending' } })
  const withoutToken = await tokenFor(server.context, without.id)
  const token = await tokenFor(server.context, (await makeStaff(server.context, ['MANAGE_USERS'])).id)

  // when
  const reset = await server.gql(RESET, { id: withPasskey.id }, { token })
  const nothing = await server.gql(RESET, { id: without.id }, { token })
  const again = await server.gql(RESET, { id: withPasskey.id }, { token })

  // then
  assert.deepEqual(reset.body.data?.userSecondFactorReset, { errors: [] })
  assert.equal((await factorsOf(withPasskey.id)).passkeys, 0)
  for (const answer of [nothing, again])
    assert.deepEqual(
      answer.body.data?.userSecondFactorReset?.errors.map((e: any) => [e.field, e.code]),
      [['id', 'INVALID']],
    )
  assert.equal((await factorsOf(without.id)).totpPendingSecret, 'pending')
  assert.equal(await meCode(withoutToken), without.id, 'still signed in')
  assert.equal(
    await server.context.prisma.accountEvent.count({ where: { userId: without.id, type: 'SECOND_FACTOR_RESET' } }),
    0,
  )
})

test('a staff user’s second factor is reset by a superuser only; MANAGE_STAFF and MANAGE_USERS get NOT_FOUND', async () => {
  // given
  const staff = await makeStaff(server.context, [])
  await enrol(staff.id)
  const manager = await makeStaff(server.context, ['MANAGE_USERS', 'MANAGE_STAFF'])
  const superuser = await makeSuperuser(server.context)

  // when
  const byManager = await server.gql(RESET, { id: staff.id }, { token: await tokenFor(server.context, manager.id) })
  const managerAction = await server.gql(
    ACTION,
    { id: staff.id },
    { token: await tokenFor(server.context, manager.id) },
  )
  const unchanged = await factorsOf(staff.id)
  const bySuperuser = await server.gql(RESET, { id: staff.id }, { token: await tokenFor(server.context, superuser.id) })

  // then
  assert.deepEqual(
    byManager.body.data?.userSecondFactorReset?.errors.map((e: any) => [e.field, e.code]),
    [['id', 'NOT_FOUND']],
  )
  assert.ok(managerAction.body.errors?.length, JSON.stringify(managerAction.body))
  assert.equal(unchanged.passkeys, 1)
  assert.ok(unchanged.totpEnabledAt)
  assert.deepEqual(bySuperuser.body.data?.userSecondFactorReset, { errors: [] })
  assert.equal((await factorsOf(staff.id)).passkeys, 0)
})

test('refused: a customer, staff without MANAGE_USERS (KS_ACCESS_DENIED); an unknown id and oneself (NOT_FOUND)', async () => {
  // given
  const target = await makeCustomer(server.context)
  await enrol(target.id)
  const customer = await makeCustomer(server.context)
  const staffManager = await makeStaff(server.context, ['MANAGE_STAFF'])
  const superuser = await makeSuperuser(server.context)
  await enrol(superuser.id)
  const superToken = await tokenFor(server.context, superuser.id)

  // when
  const byCustomer = await server.gql(RESET, { id: target.id }, { token: await tokenFor(server.context, customer.id) })
  const byStaffManager = await server.gql(
    RESET,
    { id: target.id },
    { token: await tokenFor(server.context, staffManager.id) },
  )
  const anonymous = await server.gql(RESET, { id: target.id })
  const unknown = await server.gql(RESET, { id: 'cl0000000000000000000000000' }, { token: superToken })
  const self = await server.gql(RESET, { id: superuser.id }, { token: superToken })

  // then
  for (const refused of [byCustomer, byStaffManager, anonymous])
    assert.deepEqual(
      refused.body.errors?.map((e: any) => e.extensions?.code),
      ['KS_ACCESS_DENIED'],
      JSON.stringify(refused.body),
    )
  for (const answer of [unknown, self])
    assert.deepEqual(
      answer.body.data?.userSecondFactorReset?.errors.map((e: any) => [e.field, e.code]),
      [['id', 'NOT_FOUND']],
    )
  assert.equal((await factorsOf(target.id)).passkeys, 1)
  assert.equal((await factorsOf(superuser.id)).passkeys, 1)
})

test('secondFactorEnabled is read by the user itself and its managers, not by another customer', async () => {
  // given
  const customer = await makeCustomer(server.context)
  await enrol(customer.id, { passkey: false })
  const other = await makeCustomer(server.context)

  // when
  const own = await server.gql(ME, {}, { token: await tokenFor(server.context, customer.id) })
  const foreign = await server.gql(ENABLED, { id: customer.id }, { token: await tokenFor(server.context, other.id) })

  // then
  assert.deepEqual(own.body.data?.me, { id: customer.id, secondFactorEnabled: true })
  assert.equal(foreign.body.data?.user, null)
})
