// A staff change of a user racing that user's redemption of a link (PostgreSQL, where writes run
// at once): the staff change takes the user's lock (services/staff/scope.ts judgeStaffChange)
// before it writes the user's row, as the redemption does before the token's (oneTimeTokens.ts), so
// the two run one after the other. Without it they deadlocked nearly every time, and the loser
// was answered with an internal error.
import '../../helpers/env'
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, type TestServer } from '../../helpers/server'
import { tokenFor } from '../../helpers/actors'
import { makeCustomer, makeSuperuser } from '../../helpers/factories'
import { issueOneTimeToken } from '../../../services/identity'

const SET_PASSWORD =
  'mutation($e: String!, $t: String!) { setPassword(email: $e, token: $t, password: "a brand new long password 77") { errors { code } } }'
const STAFF_CREATE =
  'mutation($e: String!, $r: String!) { staffCreate(input: { email: $e, redirectUrl: $r }) { errors { code } user { id } } }'
const DEACTIVATE = 'mutation($id: ID!) { deactivateUser(where: { id: $id }) { id } }'

let server: TestServer

before(async () => {
  server = await startServer()
})
after(async () => {
  await server?.stop()
})

async function resetLinkOf(customer: { id: string; email: string }): Promise<string> {
  return issueOneTimeToken(server.context as never, {
    userId: customer.id,
    purpose: 'PASSWORD_RESET',
    sentTo: customer.email,
  })
}

test('a promotion or a deactivation racing the user redeeming a reset link: both answer, neither is an error', async () => {
  const boss = await tokenFor(server.context, (await makeSuperuser(server.context)).id)
  for (let round = 0; round < 6; round++) {
    // given a customer with a live reset link
    const customer = await makeCustomer(server.context)
    const link = await resetLinkOf(customer)
    // when
    const staffChange =
      round % 2 === 0
        ? server.gql(STAFF_CREATE, { e: customer.email, r: 'http://localhost:3001/reset-password' }, { token: boss })
        : server.gql(DEACTIVATE, { id: customer.id }, { token: boss })
    const [redeemed, changed] = await Promise.all([
      server.gql(SET_PASSWORD, { e: customer.email, t: link }),
      staffChange,
    ])
    // then: answers, not an error; the redemption either won or found its link ended by the change
    assert.equal(redeemed.body.errors, undefined, JSON.stringify(redeemed.body.errors))
    assert.equal(changed.body.errors, undefined, JSON.stringify(changed.body.errors))
    const codes = redeemed.body.data.setPassword.errors.map((error: { code: string }) => error.code)
    assert.ok(codes.length === 0 || ['INVALID', 'INACTIVE'].includes(codes[0]), codes.join(', '))
  }
})
