// accountRegister under a race: many simultaneous registrations of one new email all get the
// ordinary answer, on every database. SQLite serialises writes, PostgreSQL does not: there the
// losers meet the unique index on email, and must still answer as a taken email does.
import '../../helpers/env'
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { TEST_DATABASES, databaseSkipReason, startServer, type TestServer } from '../../helpers/server'

const REGISTER = `mutation($input: AccountRegisterInput!) { accountRegister(input: $input) { requiresConfirmation user { id } errors { field code } } }`
const REDIRECT = 'http://localhost:3001/confirm'

// separate HTTP requests sent at once, all for the same new email
const RACE_REQUESTS = 50

for (const database of TEST_DATABASES) {
  describe(`on ${database}`, { skip: databaseSkipReason(database) }, () => {
    let server: TestServer

    // this race is about the unique index, not the per-IP limit on account requests, which 50
    // requests from one address would reach first
    before(async () => {
      server = await startServer({ database, env: { ACCOUNT_REQUEST_LIMIT: String(RACE_REQUESTS * 2) } })
    })
    after(async () => {
      await server?.stop()
    })

    test(`accountRegister sent ${RACE_REQUESTS} times at once for one new email creates one account and answers every caller the ordinary way`, async () => {
      // given
      const email = `race-${database}@example.com`
      const input = { email, password: 'an entirely new passphrase', redirectUrl: REDIRECT }

      // when
      const responses = await Promise.all(Array.from({ length: RACE_REQUESTS }, () => server.gql(REGISTER, { input })))

      // then
      const unexpected = responses.filter(
        response =>
          response.status !== 200 ||
          response.body.errors !== undefined ||
          JSON.stringify(response.body.data?.accountRegister) !==
            JSON.stringify({ requiresConfirmation: true, user: null, errors: [] }),
      )
      assert.deepEqual(
        unexpected.map(response => ({ status: response.status, body: response.body })),
        [],
        `${unexpected.length} of ${RACE_REQUESTS} callers got another answer than a new email gets`,
      )
      const users = await server.context.prisma.user.findMany({ where: { email } })
      assert.equal(users.length, 1)
      const userId = users[0]!.id
      // nothing half-written by the losers: one creation event, one confirmation token and mail
      assert.equal(await server.context.prisma.accountEvent.count({ where: { type: 'ACCOUNT_CREATED' } }), 1)
      assert.equal(await server.context.prisma.accountEvent.count({ where: { NOT: { userId } } }), 0)
      assert.equal(await server.context.prisma.oneTimeToken.count({ where: { purpose: 'ACCOUNT_CONFIRMATION' } }), 1)
      assert.equal(await server.context.prisma.outboxMail.count({ where: { template: 'ACCOUNT_CONFIRMATION' } }), 1)
      // the losers took the taken-email path, whose notice to the owner is sent once per quiet
      // period however many ask (services/messaging/rateLimits.ts)
      assert.equal(
        await server.context.prisma.outboxMail.count({ where: { template: 'ACCOUNT_EXISTS', to: email } }),
        1,
      )
    })
  })
}
