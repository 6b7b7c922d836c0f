// A new email-change request racing the redemption of the user's earlier link (PostgreSQL, where
// writes run at once): the request takes the user's lock before it writes its event, whose key on
// the user the redemption's change of the email waits for (services/kernel/userLock.ts), so the
// two run one after the other instead of each waiting for the other.
import '../../helpers/env'
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, type TestServer } from '../../helpers/server'
import { tokenFor } from '../../helpers/actors'
import { PASSWORD, makeCustomer } from '../../helpers/factories'
import { issueOneTimeToken } from '../../../services/identity'

const REQUEST_EMAIL_CHANGE = `mutation($password: String!, $newEmail: String!) { requestEmailChange(password: $password, newEmail: $newEmail, redirectUrl: "http://localhost:3001/email") { errors { field code } } }`
const CONFIRM_EMAIL_CHANGE = `mutation($token: String!) { confirmEmailChange(token: $token) { errors { field code } } }`

let server: TestServer

before(async () => {
  server = await startServer({ env: { ACCOUNT_REQUEST_LIMIT: '1000' } })
})
after(async () => {
  await server?.stop()
})

test('a new email-change request racing the confirmation of the earlier link: both answer, neither is an error', async () => {
  for (let round = 0; round < 6; round++) {
    // given a customer with a live email-change link
    const customer = await makeCustomer(server.context)
    const session = await tokenFor(server.context, customer.id)
    const earlier = `earlier-${round}-${customer.id}@example.com`
    const link = await issueOneTimeToken(server.context as never, {
      userId: customer.id,
      purpose: 'EMAIL_CHANGE',
      sentTo: earlier,
      payload: { source: 'self', newEmail: earlier },
    })
    // when
    const [confirmed, requested] = await Promise.all([
      server.gql(CONFIRM_EMAIL_CHANGE, { token: link }, { token: session }),
      server.gql(
        REQUEST_EMAIL_CHANGE,
        { password: PASSWORD, newEmail: `later-${round}-${customer.id}@example.com` },
        { token: session },
      ),
    ])
    // then: answers, not an error; a request that arrived after the confirmation ended the session
    // is refused as its token (the email change signs the user out), never a deadlock's loser
    assert.equal(confirmed.body.errors, undefined, JSON.stringify(confirmed.body.errors))
    const refusals = (requested.body.errors ?? []).map(
      (error: { extensions?: { code?: string } }) => error.extensions?.code,
    )
    assert.ok(
      refusals.every((code: string | undefined) => code === 'JWT_INVALID_TOKEN'),
      JSON.stringify(requested.body.errors),
    )
  }
})
