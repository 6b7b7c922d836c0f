// Twin sign-ins with the right password against a legacy bcrypt hash: the first rehashes it to
// argon2id and the others still sign in (services/identity/signIn.ts: bindSignIn checks the password
// again against the hash as it is now).
import '../../helpers/env'
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import bcrypt from 'bcryptjs'
import { TEST_DATABASES, databaseSkipReason, startServer, type TestServer } from '../../helpers/server'
import { PASSWORD, makeCustomer } from '../../helpers/factories'

const TOKEN_CREATE = `mutation($email: String!, $password: String!) {
  tokenCreate(email: $email, password: $password) { token errors { field code } } }`

for (const database of TEST_DATABASES) {
  describe(`on ${database}`, { skip: databaseSkipReason(database) }, () => {
    let server: TestServer
    before(async () => {
      server = await startServer({ database, env: { TRUST_PROXY: '1' } })
    })
    after(async () => {
      await server?.stop()
    })

    test('twin sign-ins with the right password against a bcrypt hash all succeed', async () => {
      const refused: string[] = []
      for (let round = 0; round < 3; round++) {
        const customer = await makeCustomer(server.context)
        await server.context.sudo().prisma.user.update({
          where: { id: String(customer.id) },
          data: { password: await bcrypt.hash(PASSWORD, 10) },
        })
        const answers = await Promise.all(
          [1, 2, 3].map(i =>
            server.gql(
              TOKEN_CREATE,
              { email: customer.email, password: PASSWORD },
              { headers: { 'X-Forwarded-For': `10.6.${round}.${i}` } },
            ),
          ),
        )
        for (const a of answers) {
          const errors = a.body.data?.tokenCreate?.errors ?? a.body.errors
          if (!a.body.data?.tokenCreate?.token) refused.push(JSON.stringify(errors))
        }
      }
      assert.deepEqual(refused, [], 'the right password refused because a twin rehashed the bcrypt hash')
    })
  })
}
