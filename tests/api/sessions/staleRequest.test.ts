// A request that stays open (a timing floor, then a write) after its caller's credentials were
// changed, and two password changes that proved the same old password (the issue 19 review's
// second pass: server/schemaGuards.ts re-judges the caller before each later root mutation
// field; services/accounts/lifecycle/changePassword.ts writes only over the hash it checked).
import '../../helpers/env'
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { TEST_DATABASES, databaseSkipReason, startServer, type TestServer } from '../../helpers/server'
import { PASSWORD, makeCustomer } from '../../helpers/factories'

const TOKEN_CREATE = `mutation($email: String!, $password: String!) {
  tokenCreate(email: $email, password: $password) { token refreshToken errors { field code } } }`
const DEACTIVATE = 'mutation { tokensDeactivateAll { errors { code } } }'
const CHANGE =
  'mutation($o: String!, $n: String!) { passwordChange(oldPassword: $o, newPassword: $n) { errors { code } } }'
// a mutation field with a 250 ms timing floor first, then a credential-issuing write: the request
// was authenticated before both
const STALE_REGENERATE = `mutation($email: String!) {
  requestPasswordReset(email: $email, redirectUrl: "http://localhost:3001/reset") { errors { code } }
  regenerateCustomerToken { token } }`

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms))

for (const database of TEST_DATABASES) {
  describe(`on ${database}`, { skip: databaseSkipReason(database) }, () => {
    let server: TestServer
    before(async () => {
      server = await startServer({ database, env: { TRUST_PROXY: '1' } })
    })
    after(async () => {
      await server?.stop()
    })

    const signIn = async (email: string, password = PASSWORD, ip = '10.9.0.1') =>
      (await server.gql(TOKEN_CREATE, { email, password }, { headers: { 'X-Forwarded-For': ip } })).body.data
        .tokenCreate

    for (const ending of ['tokensDeactivateAll', 'passwordChange'] as const) {
      test(`a thief's request in flight mints no customer API token that outlives ${ending}`, async () => {
        const alive: number[] = []
        // passwordChange spends argon2 time before it commits: several offsets, so one lands inside the window
        for (const delay of ending === 'tokensDeactivateAll' ? [80] : [0, 40, 80, 120]) {
          const customer = await makeCustomer(server.context)
          const thief = await signIn(customer.email, PASSWORD, `10.5.${delay}.1`)
          const owner = await signIn(customer.email, PASSWORD, `10.5.${delay}.2`)
          const stale = server.gql(STALE_REGENERATE, { email: 'nobody-at-all@example.com' }, { token: thief.token })
          await sleep(delay)
          const done =
            ending === 'tokensDeactivateAll'
              ? (await server.gql(DEACTIVATE, {}, { token: owner.token })).body.data.tokensDeactivateAll
              : (await server.gql(CHANGE, { o: PASSWORD, n: 'an owner passphrase 77' }, { token: owner.token })).body
                  .data.passwordChange
          assert.deepEqual(done.errors, [])
          const minted = (await stale).body.data?.regenerateCustomerToken?.token
          if (!minted) continue // refused: held
          const me = await server.gql('{ me { id } }', {}, { token: minted })
          if (me.body.data?.me?.id) alive.push(delay)
        }
        assert.deepEqual(alive, [], `a customer API token minted in flight outlives ${ending} (delays ${alive})`)
      })
    }

    test('two password changes that proved the same old password do not both succeed (lost update)', async () => {
      const both: number[] = []
      const undone: number[] = []
      for (const delay of [0, 5, 10, 20, 30, 40, 60, 80]) {
        const customer = await makeCustomer(server.context)
        const ip = `10.8.${delay}.1`
        const thief = await signIn(customer.email, PASSWORD, ip)
        const owner = await signIn(customer.email, PASSWORD, ip)
        const thiefs = server.gql(
          CHANGE,
          { o: PASSWORD, n: 'the thief passphrase 1' },
          { token: thief.token, headers: { 'X-Forwarded-For': ip } },
        )
        await sleep(delay)
        const owners = server.gql(
          CHANGE,
          { o: PASSWORD, n: 'the owner passphrase 2' },
          { token: owner.token, headers: { 'X-Forwarded-For': ip } },
        )
        const [t, o] = await Promise.all([thiefs, owners])
        const ok = (r: any) => r.body.data?.passwordChange?.errors?.length === 0
        if (ok(t) && ok(o)) {
          both.push(delay)
          // the owner was told its password is set: does the thief's password work instead?
          const thiefIn = await signIn(customer.email, 'the thief passphrase 1', `10.7.${delay}.1`)
          if (thiefIn?.token) undone.push(delay)
        }
      }
      assert.deepEqual(
        undone,
        [],
        `the owner's password change undone: the thief's password signs in (delays ${undone})`,
      )
      assert.deepEqual(both, [], `both changes answered success, one silently overwritten (delays ${both})`)
    })

    test('refreshToken selected by two aliased tokenRefresh fields gives one successor, session alive', async () => {
      const customer = await makeCustomer(server.context)
      const tokens = await signIn(customer.email)
      const res = await server.gql(
        `mutation($r: String!) {
          a: tokenRefresh(refreshToken: $r) { refreshToken token errors { code } }
          b: tokenRefresh(refreshToken: $r) { refreshToken token errors { code } } }`,
        { r: tokens.refreshToken },
      )
      const { a, b } = res.body.data
      assert.deepEqual(a.errors, [])
      assert.deepEqual(b.errors, [])
      assert.ok(a.refreshToken)
      assert.equal(b.refreshToken, a.refreshToken, 'one successor, never a second branch')
      const next = await server.gql(
        'mutation($r: String!) { tokenRefresh(refreshToken: $r) { token errors { code } } }',
        {
          r: a.refreshToken,
        },
      )
      assert.deepEqual(next.body.data.tokenRefresh.errors, [])
    })

    test('@include with a variable and a fragment-spread @skip: no rotation', async () => {
      const customer = await makeCustomer(server.context)
      const tokens = await signIn(customer.email)
      const res = await server.gql(
        `mutation($r: String!, $want: Boolean = false) {
          tokenRefresh(refreshToken: $r) { token refreshToken @include(if: $want) ...F @skip(if: true) ... @include(if: $want) { refreshToken } } }
         fragment F on TokenRefreshPayload { refreshToken }`,
        { r: tokens.refreshToken },
      )
      assert.equal(res.body.data.tokenRefresh.token?.length > 0, true)
      // the old refresh token still refreshes after the grace only if it was not rotated: ask again at once
      // and compare with a refresh that selects it (the successor must then be the first rotation's, gen 1)
      const again = await server.gql(
        'mutation($r: String!) { tokenRefresh(refreshToken: $r) { refreshToken errors { code } } }',
        { r: tokens.refreshToken },
      )
      assert.deepEqual(again.body.data.tokenRefresh.errors, [])
      const third = await server.gql(
        'mutation($r: String!) { tokenRefresh(refreshToken: $r) { refreshToken errors { code } } }',
        { r: again.body.data.tokenRefresh.refreshToken },
      )
      assert.deepEqual(third.body.data.tokenRefresh.errors, [], 'the successor of an unrotated token works')
    })
  })
}
