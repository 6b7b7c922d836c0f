// What the server log says of a refused request (server/graphqlLogging.ts): someone signed out who
// asks for what needs a session (the Admin UI asks for its metadata on every page, the sign-in page
// included) is expected and logged at debug; the same refusal of a signed-in caller stays at info.
import '../helpers/env'
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, type TestServer } from '../helpers/server'
import { tokenFor } from '../helpers/actors'
import { makeCustomer } from '../helpers/factories'
import { logLinesAfter } from '../helpers/logLines'

// what the Admin UI's every page asks first (Keystone's KsFetchAdminMeta), cut to one field
const ADMIN_META = 'query KsFetchAdminMeta { keystone { adminMeta { lists { key } } } }'
const DENIED = 'graphql error KS_ACCESS_DENIED'

let server: TestServer

before(async () => {
  // debug, so the quiet line can be seen to be there
  server = await startServer({ env: { LOG_LEVEL: 'debug' } })
})
after(async () => {
  await server?.stop()
})

async function deniedLinesOf(credentials: { token?: string }) {
  const offset = server.output().length
  const res = await server.gql(ADMIN_META, {}, credentials)
  assert.equal(res.body.errors?.[0]?.extensions?.code, 'KS_ACCESS_DENIED', JSON.stringify(res.body))
  const lines = await logLinesAfter(server, offset, line => line.msg === DENIED)
  return lines.map(line => ({ level: line.level, graphql: line.graphql }))
}

test("an anonymous caller's refusal of the Admin UI's metadata is logged at debug", async () => {
  assert.deepEqual(await deniedLinesOf({}), [
    {
      level: 'debug',
      graphql: { code: 'KS_ACCESS_DENIED', path: 'keystone.adminMeta', operation: 'KsFetchAdminMeta' },
    },
  ])
})

test("a signed-in customer's refusal stays at info", async () => {
  const customer = await makeCustomer(server.context)
  assert.deepEqual(await deniedLinesOf({ token: await tokenFor(server.context, customer.id) }), [
    { level: 'info', graphql: { code: 'KS_ACCESS_DENIED', path: 'keystone.adminMeta', operation: 'KsFetchAdminMeta' } },
  ])
})
