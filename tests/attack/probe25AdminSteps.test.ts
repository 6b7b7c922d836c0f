// The Admin UI's code step fed what the API's sign-in left (issue 20, third review), black-box over
// HTTP. "HELD" marks what held when written.
import '../helpers/env'
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, type TestServer } from '../helpers/server'
import { makeStaff } from '../helpers/factories'
import { answer, challengeFor, codeFor, confirmedLongAgo, enrol } from '../api/mfa/mfaClient'

let server: TestServer

before(async () => {
  server = await startServer()
})
after(async () => {
  await server?.stop()
})

const CODE_STEP = 'mutation($code: String!) { adminSignInWithCode(code: $code) { errors { field code } } }'

// HELD: the reverse of staffMfa.test.ts's "the Admin UI's challenge does not finish through
// tokenCreateMfa": a tokenCreate challenge planted in the Admin UI's challenge cookie starts no
// cookie session, and spends neither the code nor the challenge.
test("tokenCreate's challenge in the Admin UI's challenge cookie starts no cookie session and spends nothing", async () => {
  const staff = await makeStaff(server.context, ['MANAGE_USERS'])
  const { secret } = await enrol(server, staff)
  await confirmedLongAgo(server, staff.id)
  const challenge = await challengeFor(server, staff.email)
  const code = codeFor(secret, 1)
  const res = await server.gql(CODE_STEP, { code }, { cookie: `ks-admin-mfa=${encodeURIComponent(challenge)}` })
  assert.notDeepEqual(res.body.data?.adminSignInWithCode?.errors ?? [], [], JSON.stringify(res.body))
  const session = res.headers.getSetCookie().find(line => line.startsWith('keystonejs-session='))
  assert.equal(session, undefined)
  // the challenge and the code still finish where they belong
  const finished = await answer(server, challenge, code)
  assert.ok(finished.token, JSON.stringify(finished))
})
