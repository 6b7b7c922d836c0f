// Bearer access tokens on every API call: a valid token acts as its user, anything else as
// nobody, and rotating the user's token key or deactivating the account ends it at once.
import '../../helpers/env'
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, type TestServer } from '../../helpers/server'
import { tokenFor } from '../../helpers/actors'
import { makeCustomer } from '../../helpers/factories'
import { newTokenKey } from '../../../services/identity/jwt'
import { trusted } from '../../../services/kernel'

const ME = '{ me { id email } }'
let server: TestServer

before(async () => {
  server = await startServer()
})
after(async () => {
  await server?.stop()
})

test("me with a valid access token answers the token's user", async () => {
  const customer = await makeCustomer(server.context)
  const res = await server.gql(ME, {}, { token: await tokenFor(server.context, customer.id) })
  assert.deepEqual(res.body.data.me, { id: customer.id, email: customer.email })
})

test('me with a tampered, foreign or garbage token answers null', async () => {
  const customer = await makeCustomer(server.context)
  const token = await tokenFor(server.context, customer.id)
  const [header, payload, signature] = token.split('.')
  const forged = Buffer.from(
    JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), is_staff: true }),
  ).toString('base64url')
  for (const bad of [`${header}.${forged}.${signature}`, 'garbage', `${token}x`]) {
    const res = await server.gql(ME, {}, { token: bad })
    assert.equal(res.body.data.me, null, bad)
  }
})

test('rotating the token key or deactivating the account ends the token at once', async () => {
  const customer = await makeCustomer(server.context)
  const token = await tokenFor(server.context, customer.id)
  await trusted(server.context, null).db.User.updateOne({
    where: { id: customer.id },
    data: { jwtTokenKey: newTokenKey() },
  })
  assert.equal((await server.gql(ME, {}, { token })).body.data.me, null)

  const other = await makeCustomer(server.context)
  const otherToken = await tokenFor(server.context, other.id)
  await trusted(server.context, null).db.User.updateOne({ where: { id: other.id }, data: { isActive: false } })
  assert.equal((await server.gql(ME, {}, { token: otherToken })).body.data.me, null)
})
