// Staff and the sessions of the users they manage (API.md §9): support staff (MANAGE_USERS) read a
// customer's sessions and end one, recorded as SESSION_REVOKED with the staff member as its actor
// and delivered to a subscribed webhook; beyond the staff scope rules (a staff member's session for
// MANAGE_USERS alone, another customer's for a customer, a staff member holding more than the
// caller for MANAGE_STAFF) the answer is NOT_FOUND, the same as for a session that does not exist,
// nothing ends, and no listing of another user's sessions is ever answered.
// The server runs with NODE_ENV=test, since production refuses loopback webhook targets.
import '../../helpers/env'
import { randomBytes } from 'node:crypto'
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, type TestServer } from '../../helpers/server'
import { PASSWORD, makeCustomer, makeStaff, makeWebhook } from '../../helpers/factories'
import { startReceiver, type Receiver } from '../../helpers/webhookReceiver'
import { PERMISSIONS } from '../../../services/identity/permissionCodes'
import { ME, SESSION_REVOKE, USER_SESSIONS, signIn, type Device, type UserSession } from './sessionClient'

const WEBHOOK_SECRET = `whsec_${randomBytes(18).toString('base64url')}`
const EVENTS = `query($id: ID!) { user(where: { id: $id }) {
  events(where: { type: { equals: "SESSION_REVOKED" } }) { type actor { id } parameters } } }`

let server: TestServer
let receiver: Receiver

before(async () => {
  receiver = await startReceiver(WEBHOOK_SECRET)
  server = await startServer({ env: { NODE_ENV: 'test', OUTBOX_POLL_MS: '50', TRUST_PROXY: '1' } })
  await makeWebhook(server.context, { targetUrl: receiver.url, events: ['SESSION_REVOKED'], secret: WEBHOOK_SECRET })
})
after(async () => {
  await server?.stop()
  await receiver?.stop()
})

async function twoDevices(email: string): Promise<[Device, Device]> {
  return [
    await signIn(server, email, 'phone', PASSWORD, { 'x-forwarded-for': '198.51.100.7' }),
    await signIn(server, email, 'laptop', PASSWORD, { 'x-forwarded-for': '203.0.113.44' }),
  ]
}

async function stillServed(device: Device): Promise<void> {
  const res = await server.gql(ME, {}, { token: device.token })
  assert.equal(res.body.data?.me?.id, device.userId, JSON.stringify(res.body))
}

test("support staff read a customer's sessions and end one: SESSION_REVOKED with the staff as actor, and a webhook", async () => {
  // given
  const customer = await makeCustomer(server.context)
  const [phone, laptop] = await twoDevices(customer.email)
  const support = await signIn(server, (await makeStaff(server.context, ['MANAGE_USERS'])).email, 'support desk')
  const from = receiver.received.length

  // when
  const listed = await server.gql(USER_SESSIONS, { id: customer.id }, { token: support.token })
  const revoked = await server.gql(SESSION_REVOKE, { id: phone.sessionId }, { token: support.token })

  // then: both listed, none of them the staff member's own
  const sessions = listed.body.data.user.sessions as UserSession[]
  assert.deepEqual(sessions.map(s => s.id).sort(), [phone.sessionId, laptop.sessionId].sort())
  assert.ok(sessions.every(s => !s.current))
  assert.deepEqual(sessions.map(s => `${s.userAgent} ${s.ip}`).sort(), ['laptop 203.0.113.44', 'phone 198.51.100.7'])
  assert.deepEqual(revoked.body.data.sessionRevoke.errors, [])
  assert.equal(
    (await server.gql(ME, {}, { token: phone.token })).body.errors?.[0]?.extensions?.code,
    'JWT_INVALID_TOKEN',
  )
  await stillServed(laptop)
  const after = await server.gql(USER_SESSIONS, { id: customer.id }, { token: support.token })
  assert.deepEqual(
    after.body.data.user.sessions.map((s: UserSession) => s.id),
    [laptop.sessionId],
  )

  const events = await server.gql(EVENTS, { id: customer.id }, { token: support.token })
  assert.deepEqual(events.body.data.user.events, [
    { type: 'SESSION_REVOKED', actor: { id: support.userId }, parameters: { session_id: phone.sessionId } },
  ])
  const deliveries = (await receiver.waitFor(['SESSION_REVOKED'], from)).filter(d => d.event === 'SESSION_REVOKED')
  assert.equal(deliveries.length, 1)
  assert.ok(deliveries[0]!.signatureValid)
  assert.equal(deliveries[0]!.json.data.user.id, customer.id)
  assert.equal(deliveries[0]!.json.data.revokedBy.id, support.userId)
  assert.equal(deliveries[0]!.json.data.session_id, phone.sessionId)
})

test('beyond the scope rules a session is NOT_FOUND, as a session that does not exist, and nothing ends', async () => {
  // given: the targets, each with a live session
  const support = await signIn(server, (await makeStaff(server.context, ['MANAGE_USERS'])).email, 'support')
  const staffManager = await signIn(server, (await makeStaff(server.context, ['MANAGE_STAFF'])).email, 'manager')
  const customer = await signIn(server, (await makeCustomer(server.context)).email, 'customer')
  const otherCustomer = await signIn(server, (await makeCustomer(server.context)).email, 'other customer')
  const colleague = await signIn(server, (await makeStaff(server.context, ['MANAGE_USERS'])).email, 'colleague')
  const director = await signIn(server, (await makeStaff(server.context, [...PERMISSIONS])).email, 'director')
  const unknown = 'cl' + '0'.repeat(23)
  const cases: [string, Device, Device | null][] = [
    ["MANAGE_USERS on a staff member's session", support, colleague],
    ["a customer on another customer's session", customer, otherCustomer],
    ['MANAGE_STAFF on a staff member holding more permissions', staffManager, director],
    ['MANAGE_STAFF on a customer (MANAGE_USERS is what that takes)', staffManager, otherCustomer],
    ['a session that does not exist', support, null],
  ]

  for (const [label, caller, target] of cases) {
    // when
    const revoked = await server.gql(SESSION_REVOKE, { id: target?.sessionId ?? unknown }, { token: caller.token })
    const listed = target && (await server.gql(USER_SESSIONS, { id: target.userId }, { token: caller.token }))

    // then
    assert.deepEqual(revoked.body.data?.sessionRevoke?.errors, [{ field: 'id', code: 'NOT_FOUND' }], label)
    if (target) {
      await stillServed(target)
      // out of reach reads as nothing: never the target's sessions
      assert.equal(listed!.body.data?.user?.sessions ?? null, null, `${label}: ${JSON.stringify(listed!.body)}`)
      assert.doesNotMatch(JSON.stringify(listed!.body), new RegExp(target.sessionId), label)
    }
  }
  const ended = await server.context.prisma.authSession.count({
    where: { id: { in: [colleague, otherCustomer, director].map(d => d.sessionId) }, endedAt: { not: null } },
  })
  assert.equal(ended, 0)
})

test('a listing of many users answers the sessions of those the caller manages, and no others', async () => {
  // given
  const support = await signIn(server, (await makeStaff(server.context, ['MANAGE_USERS'])).email, 'support')
  const customer = await signIn(server, (await makeCustomer(server.context)).email, 'customer')
  const colleague = await signIn(server, (await makeStaff(server.context, ['MANAGE_USERS'])).email, 'colleague')

  // when
  const res = await server.gql(
    'query($ids: [ID!]) { users(where: { id: { in: $ids } }) { id sessions { id } } }',
    { ids: [customer.userId, colleague.userId] },
    { token: support.token },
  )

  // then
  const rows = (res.body.data?.users ?? []) as { id: string; sessions: { id: string }[] | null }[]
  assert.deepEqual(rows.find(row => row.id === customer.userId)?.sessions, [{ id: customer.sessionId }])
  assert.equal(rows.find(row => row.id === colleague.userId)?.sessions ?? null, null)
  assert.doesNotMatch(JSON.stringify(res.body), new RegExp(colleague.sessionId))
})

test('a staff member holding every permission reads and ends a colleague’s session', async () => {
  const director = await signIn(server, (await makeStaff(server.context, [...PERMISSIONS])).email, 'director')
  const colleague = await signIn(server, (await makeStaff(server.context, ['MANAGE_USERS'])).email, 'colleague')
  const listed = await server.gql(USER_SESSIONS, { id: colleague.userId }, { token: director.token })
  assert.deepEqual(
    listed.body.data.user.sessions.map((s: UserSession) => s.id),
    [colleague.sessionId],
  )
  const revoked = await server.gql(SESSION_REVOKE, { id: colleague.sessionId }, { token: director.token })
  assert.deepEqual(revoked.body.data.sessionRevoke.errors, [])
  assert.equal(
    (await server.gql(ME, {}, { token: colleague.token })).body.errors?.[0]?.extensions?.code,
    'JWT_INVALID_TOKEN',
  )
  await stillServed(director)
})
