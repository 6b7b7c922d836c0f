// tokenCreate under concurrency, on every database: correct passwords sent at once from one IP to
// one account are never refused (an attempt in flight is not a failure), while guesses sent at
// once past the free failures still go one at a time.
import '../../helpers/env'
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { TEST_DATABASES, databaseSkipReason, startServer, type TestServer } from '../../helpers/server'
import { PASSWORD, makeCustomer } from '../../helpers/factories'

const TOKEN_CREATE =
  'mutation($email: String!, $password: String!) { tokenCreate(email: $email, password: $password) { token errors { code message } } }'
// the measure: ten clients signing in to one account from one address
const CLIENTS = 10
const ROUNDS = 5

for (const database of TEST_DATABASES) {
  describe(`on ${database}`, { skip: databaseSkipReason(database) }, () => {
    let server: TestServer

    before(async () => {
      server = await startServer({ database })
    })
    after(async () => {
      await server?.stop()
    })

    test(`${CLIENTS} clients signing in to one account at once with the right password are never refused`, async () => {
      // given
      const customer = await makeCustomer(server.context)
      // when: each client signs in again as soon as its previous answer arrives
      const answers = (
        await Promise.all(
          Array.from({ length: CLIENTS }, async () => {
            const mine = []
            for (let round = 0; round < ROUNDS; round++)
              mine.push(
                (await server.gql(TOKEN_CREATE, { email: customer.email, password: PASSWORD })).body.data.tokenCreate,
              )
            return mine
          }),
        )
      ).flat()
      // then
      assert.equal(answers.length, CLIENTS * ROUNDS)
      assert.deepEqual(
        answers.filter(answer => answer.errors.length),
        [],
      )
      assert.ok(answers.every(answer => answer.token))
    })

    test('wrong passwords sent at once past the free failures are checked one at a time, and the refusal says why', async () => {
      // given five free failures spent
      const customer = await makeCustomer(server.context)
      for (let i = 0; i < 5; i++)
        await server.gql(TOKEN_CREATE, { email: customer.email, password: `wrong guess ${i}` })
      // when ten guesses arrive at once
      const answers = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          server.gql(TOKEN_CREATE, { email: customer.email, password: `parallel guess ${i}` }),
        ),
      )
      // then one was checked (and failed), the others waited without a password check
      const codes = answers.map(answer => answer.body.data.tokenCreate.errors[0].code)
      assert.equal(codes.filter(code => code === 'INVALID_CREDENTIALS').length, 1)
      assert.equal(codes.filter(code => code === 'LOGIN_ATTEMPT_DELAYED').length, 9)
      // every delayed answer says why: filtering the messages first would let an empty list pass
      const messages = answers
        .map(answer => answer.body.data.tokenCreate.errors[0])
        .filter(error => error.code === 'LOGIN_ATTEMPT_DELAYED')
        .map(error => error.message)
      assert.equal(messages.length, 9)
      for (const message of messages)
        assert.match(
          message,
          /^Too many (sign-in attempts at the same time|failed sign-in attempts)\. Try again in \d+ seconds?\.$/,
        )
    })
  })
}
