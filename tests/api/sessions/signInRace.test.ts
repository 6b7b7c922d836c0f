// "Sign out everywhere" (tokensDeactivateAll) and a password change racing password sign-ins that
// read the user before them (found by the issue 19 review: the sign-in wrote back the token key it
// read, and every session the revocation ended lived again; services/identity/signIn.ts:
// bindSignIn). A token from before the revocation is refused once the revocation has answered,
// whatever sign-ins were in flight.
import '../../helpers/env'
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { TEST_DATABASES, databaseSkipReason, startServer, type TestServer } from '../../helpers/server'
import { PASSWORD, makeCustomer } from '../../helpers/factories'

const TOKEN_CREATE = `mutation($email: String!, $password: String!) {
  tokenCreate(email: $email, password: $password) { token refreshToken errors { field code } } }`
const DEACTIVATE = 'mutation { tokensDeactivateAll { errors { code } } }'

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms))

for (const database of TEST_DATABASES) {
  describe(`on ${database}`, { skip: databaseSkipReason(database) }, () => {
    let server: TestServer
    before(async () => {
      // each attempt of the password-change race signs in from a network of its own (a trusted proxy says
      // which): the old password's refusals must not reach the sign-in throttle of the next attempt
      server = await startServer({ database, env: { TRUST_PROXY: '1' } })
    })
    after(async () => {
      await server?.stop()
    })

    test('a stolen token stays refused after "sign out everywhere", even with sign-ins in flight', async () => {
      const resurrected: number[] = []
      // control: without sign-ins in flight the stolen token is refused
      {
        const customer = await makeCustomer(server.context)
        const stolen = (await server.gql(TOKEN_CREATE, { email: customer.email, password: PASSWORD })).body.data
          .tokenCreate
        await server.gql(DEACTIVATE, {}, { token: stolen.token })
        const me = await server.gql('{ me { id } }', {}, { token: stolen.token })
        assert.equal(me.body.data?.me, undefined, 'control')
      }
      for (const delay of [0, 10, 20, 30, 40, 60, 80, 100, 0, 10, 20, 30, 40, 60, 80, 100]) {
        const customer = await makeCustomer(server.context)
        const stolen = (await server.gql(TOKEN_CREATE, { email: customer.email, password: PASSWORD })).body.data
          .tokenCreate
        const owner = (await server.gql(TOKEN_CREATE, { email: customer.email, password: PASSWORD })).body.data
          .tokenCreate
        // the thief (who knows the password too) keeps sign-ins in flight
        const inFlight = Array.from({ length: 4 }, () =>
          server.gql(TOKEN_CREATE, { email: customer.email, password: PASSWORD }),
        )
        await sleep(delay)
        const done = await server.gql(DEACTIVATE, {}, { token: owner.token })
        assert.deepEqual(done.body.data.tokensDeactivateAll.errors, [])
        await Promise.all(inFlight)
        const me = await server.gql('{ me { id } }', {}, { token: stolen.token })
        if (me.body.data?.me?.id) resurrected.push(delay)
      }
      assert.deepEqual(resurrected, [], `stolen tokens alive again after sign out everywhere (delays ${resurrected})`)
    })

    test("a password change racing the thief's sign-ins with the old password ends the thief's tokens", async () => {
      const alive: string[] = []
      for (let attempt = 0; attempt < 6; attempt++) {
        const headers = { 'X-Forwarded-For': `10.${attempt + 1}.0.1` }
        const customer = await makeCustomer(server.context)
        const stolen = (await server.gql(TOKEN_CREATE, { email: customer.email, password: PASSWORD }, { headers })).body
          .data.tokenCreate
        const owner = (await server.gql(TOKEN_CREATE, { email: customer.email, password: PASSWORD }, { headers })).body
          .data.tokenCreate
        const change = server.gql(
          'mutation($o: String!, $n: String!) { passwordChange(oldPassword: $o, newPassword: $n) { errors { code } } }',
          { o: PASSWORD, n: 'a brand new passphrase 42' },
          { token: owner.token, headers },
        )
        // the thief's sign-ins with the old password, started at staggered times while the change runs
        const inFlight = [0, 30, 60, 90, 120, 160].map(async offset => {
          await sleep(offset + attempt * 7)
          return server.gql(TOKEN_CREATE, { email: customer.email, password: PASSWORD }, { headers })
        })
        const changed = await change
        assert.deepEqual(changed.body.data?.passwordChange?.errors, [], JSON.stringify(changed.body))
        const answers = await Promise.all(inFlight)
        const me = await server.gql('{ me { id } }', {}, { token: stolen.token, headers })
        for (const a of answers) assert.ok(a.body.data?.tokenCreate, `tokenCreate answered: ${JSON.stringify(a.body)}`)
        const signedIn = answers.filter(a => a.body.data.tokenCreate.token).length
        if (me.body.data?.me?.id) alive.push(`attempt ${attempt} (${signedIn} old-password sign-ins succeeded)`)
      }
      assert.deepEqual(alive, [], 'the stolen token works after the password change')
    })
  })
}
