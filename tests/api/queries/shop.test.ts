// shop { name }: anyone reads the shop's name, SHOP_NAME, or the app's own name when it is unset;
// a SHOP_NAME of more than one line stops the server with a line naming it.
import '../../helpers/env'
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, type TestServer } from '../../helpers/server'

let named: TestServer
let unnamed: TestServer

before(async () => {
  named = await startServer({ env: { SHOP_NAME: '  Acme Outdoor & Co.  ' } })
  unnamed = await startServer({ databaseUrl: named.databaseUrl, env: { SHOP_NAME: '' } })
})
after(async () => {
  await unnamed?.stop()
  await named?.stop()
})

test("an anonymous caller reads the shop's name, trimmed", async () => {
  const res = await named.gql('{ shop { name } }')
  assert.deepEqual(res.body, { data: { shop: { name: 'Acme Outdoor & Co.' } } })
})

test('without SHOP_NAME the shop is named after the app, never after Keystone', async () => {
  const res = await unnamed.gql('{ shop { name } }')
  assert.deepEqual(res.body, { data: { shop: { name: 'Commerce identity' } } })
})

test('a SHOP_NAME of two lines stops the server, naming it, whatever separates them', async () => {
  for (const separator of ['\n', '\u2028', '\u2029'])
    await assert.rejects(
      startServer({ databaseUrl: named.databaseUrl, env: { SHOP_NAME: `Acme${separator}Second line` } }),
      /SHOP_NAME must be one line of at most 100 characters/,
    )
})
