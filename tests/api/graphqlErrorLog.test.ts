// What the server log says of a refused request (server/graphqlLogging.ts): someone signed out who
// asks for what needs a session (the Admin UI asks for its metadata on every page, the sign-in page
// included) is expected and logged at debug; the same refusal of a signed-in caller stays at info;
// and a line names the code the client was answered, not the one the error was raised with.
import '../helpers/env'
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, type TestServer } from '../helpers/server'
import { tokenFor } from '../helpers/actors'
import { makeCustomer, makeStaff } from '../helpers/factories'
import { logLinesAfter, logLinesOf } from '../helpers/logLines'

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

test('a taken email met on the unique index is logged as the refusal it was answered, at info, not as an internal error', async () => {
  // given: one new address three times in one request (itself, a Cyrillic look-alike, fullwidth),
  // whose creates pass the check before the write together and meet on the unique indexes
  const staff = await makeStaff(server.context, ['MANAGE_USERS'])
  const email = `kim-${process.pid}-${Date.now()}@example.com`
  const fullwidth = email.replace(/[a-z0-9]/g, char => String.fromCodePoint(char.codePointAt(0)! + 0xfee0))
  const offset = server.output().length
  // when
  const res = await server.gql(
    'mutation($data: [UserCreateInput!]!) { createUsers(data: $data) { id } }',
    { data: [{ email }, { email: email.replace('i', 'і') }, { email: fullwidth }] },
    { token: await tokenFor(server.context, staff.id) },
  )
  // then: the client is told the email is taken, and the log says the same at info
  const answered = (res.body.errors ?? []).map((error: any) => error.extensions.code)
  assert.ok(
    answered.length > 0 && answered.every((code: string) => code === 'KS_VALIDATION_FAILURE'),
    JSON.stringify(res.body),
  )
  // the request's access line comes once its answer is sent, after its error lines
  await logLinesAfter(server, offset, line => line.msg === 'POST /api/graphql 200')
  const lines = logLinesOf(server.output().slice(offset)).filter(line => String(line.msg).startsWith('graphql error'))
  assert.deepEqual(
    lines.map(line => [line.level, (line.graphql as { code: string }).code]),
    answered.map((code: string) => ['info', code]),
  )
})
