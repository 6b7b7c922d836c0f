// REFRESH_REUSE_GRACE_SECONDS=0 turns the grace off (API.md §9): a retired refresh token presented
// once more, however soon, is reuse, and its whole session ends; a subscribed webhook is told.
// The server runs with NODE_ENV=test, since production refuses loopback webhook targets.
import '../../helpers/env'
import { randomBytes } from 'node:crypto'
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, type TestServer } from '../../helpers/server'
import { makeCustomer, makeWebhook } from '../../helpers/factories'
import { startReceiver, type Receiver } from '../../helpers/webhookReceiver'
import { assertTokenRefused } from '../../helpers/refusals'
import { ME, REFRESH_ROTATING, REFRESH_SDK, errorCodes, signIn } from './sessionClient'

const WEBHOOK_SECRET = `whsec_${randomBytes(18).toString('base64url')}`

let server: TestServer
let receiver: Receiver

before(async () => {
  receiver = await startReceiver(WEBHOOK_SECRET)
  server = await startServer({ env: { REFRESH_REUSE_GRACE_SECONDS: '0', NODE_ENV: 'test', OUTBOX_POLL_MS: '50' } })
  await makeWebhook(server.context, {
    targetUrl: receiver.url,
    events: ['REFRESH_TOKEN_REUSED'],
    secret: WEBHOOK_SECRET,
  })
})
after(async () => {
  await server?.stop()
  await receiver?.stop()
})

test('without a grace, the retired refresh token is reuse at once: the session ends', async () => {
  // given
  const customer = await makeCustomer(server.context)
  const device = await signIn(server, customer.email, 'storefront')
  const rotated = (await server.gql(REFRESH_ROTATING, { refreshToken: device.refreshToken })).body.data.tokenRefresh
  assert.deepEqual(rotated.errors, [])

  // when: at once
  const replay = await server.gql(REFRESH_ROTATING, { refreshToken: device.refreshToken })

  // then
  assert.deepEqual(errorCodes(replay.body.data.tokenRefresh), ['JWT_INVALID_TOKEN'])
  assert.deepEqual(
    errorCodes((await server.gql(REFRESH_SDK, { refreshToken: rotated.refreshToken })).body.data.tokenRefresh),
    ['JWT_INVALID_TOKEN'],
  )
  assertTokenRefused(await server.gql(ME, {}, { token: rotated.token }), 'JWT_INVALID_TOKEN')
  const events = await server.context.prisma.accountEvent.count({
    where: { userId: customer.id, type: 'REFRESH_TOKEN_REUSED' },
  })
  assert.equal(events, 1)
  const [delivery] = (await receiver.waitFor(['REFRESH_TOKEN_REUSED'], 0)).filter(
    d => d.event === 'REFRESH_TOKEN_REUSED',
  )
  assert.ok(delivery!.signatureValid)
  assert.equal(delivery!.json.data.user.id, customer.id)
  assert.equal(delivery!.json.data.session_id, device.sessionId)
})

test('without a grace, the SDK shape still refreshes again and again', async () => {
  const customer = await makeCustomer(server.context)
  const device = await signIn(server, customer.email, 'saleor auth sdk')
  for (let i = 0; i < 3; i++) {
    const res = await server.gql(REFRESH_SDK, { refreshToken: device.refreshToken })
    assert.deepEqual(res.body.data.tokenRefresh.errors, [], `refresh ${i + 1}`)
  }
})
