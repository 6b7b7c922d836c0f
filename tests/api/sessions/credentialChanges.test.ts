// What else ends every session of a user (API.md §9): an email change, deactivation (and a later
// reactivation brings none back), promotion to staff, and the absolute SESSION_MAX_AGE, which a
// rotating client cannot slide past.
import '../../helpers/env'
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, type TestServer } from '../../helpers/server'
import { makeCustomer, makeStaff, makeSuperuser } from '../../helpers/factories'
import { tokenFor } from '../../helpers/actors'
import { assertTokenRefused } from '../../helpers/refusals'
import { issueOneTimeToken } from '../../../services/identity/oneTimeTokens'
import { ME, REFRESH_ROTATING, REFRESH_SDK, claimsOf, errorCodes, mySessions, signIn, sleep } from './sessionClient'

const DEACTIVATE = 'mutation($id: ID!) { deactivateUser(where: { id: $id }) { id isActive } }'
const ACTIVATE = 'mutation($id: ID!) { activateUser(where: { id: $id }) { id isActive } }'
const PROMOTE = 'mutation($email: String!) { staffCreate(input: { email: $email }) { errors { field code } } }'
const CONFIRM_EMAIL_CHANGE = 'mutation($token: String!) { confirmEmailChange(token: $token) { errors { field code } } }'
const SESSION_REVOKE = 'mutation($id: ID!) { sessionRevoke(id: $id) { errors { field code } } }'

const MAX_AGE = 6

let server: TestServer

before(async () => {
  server = await startServer()
})
after(async () => {
  await server?.stop()
})

async function assertEnded(device: { token: string; refreshToken: string }, label: string) {
  assertTokenRefused(await server.gql(ME, {}, { token: device.token }), 'JWT_INVALID_TOKEN', label)
  const refresh = await server.gql(REFRESH_SDK, { refreshToken: device.refreshToken })
  assert.deepEqual(errorCodes(refresh.body.data.tokenRefresh), ['JWT_INVALID_TOKEN'], label)
}

test('an email change ends every session; the new address signs in to a session alone', async () => {
  // given: two devices and a mailed email-change link
  const customer = await makeCustomer(server.context)
  const devices = [await signIn(server, customer.email, 'one'), await signIn(server, customer.email, 'two')]
  const newEmail = `moved-${customer.id}@example.com`
  const link = await issueOneTimeToken(server.context as never, {
    userId: customer.id,
    purpose: 'EMAIL_CHANGE',
    sentTo: newEmail,
    payload: { source: 'self', newEmail },
  })

  // when
  const confirmed = await server.gql(CONFIRM_EMAIL_CHANGE, { token: link }, { token: devices[0]!.token })

  // then
  assert.deepEqual(confirmed.body.data.confirmEmailChange.errors, [])
  for (const device of devices) await assertEnded(device, device.userAgent)
  const fresh = await signIn(server, newEmail, 'after the change')
  assert.deepEqual(
    (await mySessions(server, fresh.token)).map(s => s.id),
    [fresh.sessionId],
  )
})

test('deactivation ends every session, and reactivation brings none of them back', async () => {
  // given
  const customer = await makeCustomer(server.context)
  const devices = [await signIn(server, customer.email, 'one'), await signIn(server, customer.email, 'two')]
  const support = await tokenFor(server.context, (await makeStaff(server.context, ['MANAGE_USERS'])).id)

  // when
  const deactivated = await server.gql(DEACTIVATE, { id: customer.id }, { token: support })
  const activated = await server.gql(ACTIVATE, { id: customer.id }, { token: support })

  // then
  assert.deepEqual(deactivated.body.data.deactivateUser, { id: customer.id, isActive: false })
  assert.deepEqual(activated.body.data.activateUser, { id: customer.id, isActive: true })
  for (const device of devices) await assertEnded(device, device.userAgent)
  const fresh = await signIn(server, customer.email, 'after reactivation')
  assert.deepEqual(
    (await mySessions(server, fresh.token)).map(s => s.id),
    [fresh.sessionId],
  )
})

test('promotion to staff ends the customer’s sessions', async () => {
  const customer = await makeCustomer(server.context)
  const device = await signIn(server, customer.email, 'shop')
  const admin = await tokenFor(server.context, (await makeSuperuser(server.context)).id)
  const promoted = await server.gql(PROMOTE, { email: customer.email }, { token: admin })
  assert.deepEqual(promoted.body.data.staffCreate.errors, [])
  await assertEnded(device, 'promoted')
})

test('anonymous callers cannot end a session', async () => {
  const customer = await makeCustomer(server.context)
  const device = await signIn(server, customer.email, 'shop')
  const res = await server.gql(SESSION_REVOKE, { id: device.sessionId })
  assert.equal(res.body.errors?.[0]?.extensions?.code, 'KS_ACCESS_DENIED', JSON.stringify(res.body))
  assert.equal((await server.gql(ME, {}, { token: device.token })).body.data.me.id, customer.id)
})

test('SESSION_MAX_AGE bounds a session however often it rotates', async () => {
  // given: sessions live at most MAX_AGE seconds here (a margin for a loaded machine to sign in and rotate)
  const short = await startServer({ env: { SESSION_MAX_AGE: String(MAX_AGE) } })
  try {
    const customer = await makeCustomer(short.context)
    const device = await signIn(short, customer.email, 'shop')
    const began = Date.parse((await mySessions(short, device.token))[0]!.createdAt)

    // when: it rotates, then the age runs out
    const rotated = (await short.gql(REFRESH_ROTATING, { refreshToken: device.refreshToken })).body.data.tokenRefresh
    assert.deepEqual(rotated.errors, [])
    const [listed] = await mySessions(short, rotated.token)
    await sleep(Math.max(0, began + MAX_AGE * 1000 - Date.now()) + 1200)

    // then: neither the slide nor the refresh token outlives the bound, and the session is over
    assert.ok(
      Date.parse(listed!.expiresAt) <= began + MAX_AGE * 1000,
      `${listed!.expiresAt} vs ${new Date(began).toISOString()}`,
    )
    assert.ok(claimsOf(rotated.refreshToken).exp * 1000 <= began + MAX_AGE * 1000)
    assertTokenRefused(await short.gql(ME, {}, { token: rotated.token }), 'JWT_INVALID_TOKEN')
    const refresh = await short.gql(REFRESH_SDK, { refreshToken: rotated.refreshToken })
    assert.equal(refresh.body.data.tokenRefresh.token, null)
    assert.equal(errorCodes(refresh.body.data.tokenRefresh).length, 1)
  } finally {
    await short.stop()
  }
})
