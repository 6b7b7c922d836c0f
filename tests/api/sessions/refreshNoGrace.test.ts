// REFRESH_REUSE_GRACE_SECONDS=0 turns the grace off (API.md §9): a retired refresh token presented
// once more, however soon, is reuse, and its whole session ends.
import '../../helpers/env'
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, type TestServer } from '../../helpers/server'
import { makeCustomer } from '../../helpers/factories'
import { assertTokenRefused } from '../../helpers/refusals'
import { ME, REFRESH_ROTATING, REFRESH_SDK, errorCodes, signIn } from './sessionClient'

let server: TestServer

before(async () => {
  server = await startServer({ env: { REFRESH_REUSE_GRACE_SECONDS: '0' } })
})
after(async () => {
  await server?.stop()
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
})

test('without a grace, the SDK shape still refreshes again and again', async () => {
  const customer = await makeCustomer(server.context)
  const device = await signIn(server, customer.email, 'saleor auth sdk')
  for (let i = 0; i < 3; i++) {
    const res = await server.gql(REFRESH_SDK, { refreshToken: device.refreshToken })
    assert.deepEqual(res.body.data.tokenRefresh.errors, [], `refresh ${i + 1}`)
  }
})
