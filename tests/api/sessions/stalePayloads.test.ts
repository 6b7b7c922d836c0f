// A staff member deactivated while its request is in flight changes nothing after that, and a
// sign-in's payload reads its own session as `current`, whoever the caller is (the issue 19
// review's second pass: server/schemaGuards.ts, mutations/shared/payloads.ts: userField).
import '../../helpers/env'
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { TEST_DATABASES, databaseSkipReason, startServer, type TestServer } from '../../helpers/server'
import { PASSWORD, makeCustomer, makeStaff, makeSuperuser } from '../../helpers/factories'
import { tokenFor } from '../../helpers/actors'

const TOKEN_CREATE = `mutation($email: String!, $password: String!) {
  tokenCreate(email: $email, password: $password) { token user { sessions { id current } } errors { field code } } }`
const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms))
const sidOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()).sid

for (const database of TEST_DATABASES) {
  describe(`on ${database}`, { skip: databaseSkipReason(database) }, () => {
    let server: TestServer
    before(async () => {
      server = await startServer({ database, env: { TRUST_PROXY: '1' } })
    })
    after(async () => {
      await server?.stop()
    })

    test('a staff member deactivated while its request is in flight changes no customer after the deactivation', async t => {
      const admin = await makeSuperuser(server.context)
      const adminToken = await tokenFor(server.context, String(admin.id))
      // requestPasswordReset holds its answer for its 250 ms floor before customerUpdate starts: an
      // attempt counts when the deactivation had answered well before that (a loaded machine may
      // answer it later, and then the change rightly came first)
      let judged = 0
      for (let attempt = 0; attempt < 6 && judged < 2; attempt++) {
        const staff = await makeStaff(server.context, ['MANAGE_USERS'])
        const staffToken = await tokenFor(server.context, String(staff.id))
        const customer = await makeCustomer(server.context)
        const started = Date.now()
        const stale = server.gql(
          `mutation($id: ID!) {
            requestPasswordReset(email: "nobody-at-all@example.com", redirectUrl: "http://localhost:3001/reset") { errors { code } }
            customerUpdate(id: $id, input: { firstName: "Changed after deactivation" }) { errors { code } } }`,
          { id: customer.id },
          { token: staffToken },
        )
        await sleep(40)
        const off = await server.gql(
          'mutation($id: ID!) { staffUpdate(id: $id, input: { isActive: false }) { errors { code } } }',
          { id: staff.id },
          { token: adminToken },
        )
        const offAnsweredAfter = Date.now() - started
        assert.deepEqual(off.body.data.staffUpdate.errors, [])
        await stale
        if (offAnsweredAfter > 200) continue
        judged++
        const row = await server.context.sudo().prisma.user.findUnique({ where: { id: String(customer.id) } })
        assert.notEqual(row?.firstName, 'Changed after deactivation', 'a deactivated staff member changed a customer')
      }
      // a machine too loaded for any attempt to race says so rather than passing as if it had
      if (judged === 0) t.diagnostic('no attempt deactivated the staff member within the first field')
    })

    test("a mutation's later root fields run with the caller as it is then: after tokensDeactivateAll, nothing", async () => {
      const staff = await makeStaff(server.context, ['MANAGE_USERS'])
      const staffToken = await tokenFor(server.context, String(staff.id))
      const customer = await makeCustomer(server.context)
      const res = await server.gql(
        `mutation($id: ID!) {
          tokensDeactivateAll { errors { code } }
          customerUpdate(id: $id, input: { firstName: "Changed by an ended session" }) { errors { code } } }`,
        { id: customer.id },
        { token: staffToken },
      )
      assert.deepEqual(res.body.data.tokensDeactivateAll.errors, [])
      assert.equal(res.body.data.customerUpdate, null)
      assert.equal(res.body.errors?.[0]?.extensions?.code, 'JWT_INVALID_TOKEN', JSON.stringify(res.body.errors))
      const row = await server.context.sudo().prisma.user.findUnique({ where: { id: String(customer.id) } })
      assert.notEqual(row?.firstName, 'Changed by an ended session')
    })

    test("a sign-in's payload read by a caller signed in as the same user marks the new session current", async () => {
      const customer = await makeCustomer(server.context)
      const first = (await server.gql(TOKEN_CREATE, { email: customer.email, password: PASSWORD })).body.data
        .tokenCreate
      const second = (
        await server.gql(TOKEN_CREATE, { email: customer.email, password: PASSWORD }, { token: first.token })
      ).body.data.tokenCreate
      assert.deepEqual(second.errors, [])
      const current = (second.user?.sessions ?? []).filter((s: any) => s.current).map((s: any) => s.id)
      assert.deepEqual(
        current,
        [sidOf(second.token)],
        `current: ${JSON.stringify(current)}, new sid ${sidOf(second.token)}, old ${sidOf(first.token)}`,
      )
    })

    test("a sign-in's payload lists its own sessions even when the caller holds a customer API token", async () => {
      const customer = await makeCustomer(server.context)
      const first = (await server.gql(TOKEN_CREATE, { email: customer.email, password: PASSWORD })).body.data
        .tokenCreate
      const ctk = (await server.gql('mutation { regenerateCustomerToken { token } }', {}, { token: first.token })).body
        .data.regenerateCustomerToken.token
      const viaCtk = (await server.gql(TOKEN_CREATE, { email: customer.email, password: PASSWORD }, { token: ctk }))
        .body.data.tokenCreate
      assert.deepEqual(viaCtk.errors, [])
      assert.ok(
        Array.isArray(viaCtk.user?.sessions),
        `a sign-in's payload lists no sessions when the caller holds a customer API token: ${JSON.stringify(viaCtk.user)}`,
      )
    })
  })
}
