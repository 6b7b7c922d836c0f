// Refresh rotation with reuse detection (API.md §9). Selecting `refreshToken` rotates it: a new one
// is issued and the old one retired; the retired one presented again within
// REFRESH_REUSE_GRACE_SECONDS is answered as its successor was (the same successor, a fresh access
// token); after the grace it ends the whole session, records REFRESH_TOKEN_REUSED and tells the
// user by mail. Saleor's @saleor/auth-sdk shape (only `token`) never rotates; the cookie always
// does, with a CSRF token that stays the session's across rotations. The grace is a few seconds
// here (the server's env) so the test need not wait out the default ten.
import '../../helpers/env'
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, type TestServer } from '../../helpers/server'
import { startMailbox, type Mailbox } from '../../helpers/mailbox'
import { makeCustomer, makeStaff } from '../../helpers/factories'
import { tokenFor } from '../../helpers/actors'
import { assertTokenRefused } from '../../helpers/refusals'
import {
  ME,
  REFRESH_ROTATING,
  REFRESH_SDK,
  claimsOf,
  errorCodes,
  mySessions,
  refreshCookieOf,
  signIn,
  sleep,
} from './sessionClient'

const GRACE_SECONDS = 3
const REUSE_EVENTS = `query($id: ID!) { user(where: { id: $id }) {
  events(where: { type: { equals: "REFRESH_TOKEN_REUSED" } }) { type parameters } } }`

let server: TestServer
let mailbox: Mailbox

before(async () => {
  mailbox = await startMailbox()
  server = await startServer({
    env: { REFRESH_REUSE_GRACE_SECONDS: String(GRACE_SECONDS), SMTP_URL: mailbox.url, OUTBOX_POLL_MS: '50' },
  })
})
after(async () => {
  await server?.stop()
  await mailbox?.stop()
})

async function rotate(refreshToken: string) {
  const res = await server.gql(REFRESH_ROTATING, { refreshToken })
  const payload = res.body.data.tokenRefresh
  assert.deepEqual(payload.errors, [], JSON.stringify(res.body))
  return payload as { token: string; refreshToken: string; csrfToken: string; user: { id: string } }
}

test('selecting refreshToken rotates it; the retired one within the grace answers the same successor', async () => {
  // given
  const customer = await makeCustomer(server.context)
  const device = await signIn(server, customer.email, 'storefront')

  // when
  const first = await rotate(device.refreshToken)
  const retry = await rotate(device.refreshToken)

  // then: one successor, never a second branch
  assert.notEqual(first.refreshToken, device.refreshToken)
  assert.equal(retry.refreshToken, first.refreshToken)
  assert.equal(first.csrfToken, device.csrfToken)
  assert.equal(claimsOf(first.refreshToken).sid, device.sessionId)
  // rotation slides the session's expiry: the listing says what the newest refresh token says
  assert.ok(claimsOf(first.refreshToken).exp >= claimsOf(device.refreshToken).exp)
  const [listed] = await mySessions(server, first.token)
  assert.equal(Date.parse(listed!.expiresAt), claimsOf(first.refreshToken).exp * 1000)
  for (const token of [first.token, retry.token]) {
    assert.equal((await server.gql(ME, {}, { token })).body.data.me.id, customer.id)
  }
  // the successor rotates on in turn, and the session lives on, still one
  const second = await rotate(first.refreshToken)
  assert.notEqual(second.refreshToken, first.refreshToken)
  assert.deepEqual(
    (await mySessions(server, second.token)).map(s => s.id),
    [device.sessionId],
  )
})

test('a retired refresh token after the grace ends the whole session, records REFRESH_TOKEN_REUSED and mails the user', async () => {
  // given: the real client rotated; a thief holds the old token
  const customer = await makeCustomer(server.context)
  const other = await signIn(server, customer.email, 'other device')
  const device = await signIn(server, customer.email, 'storefront')
  const rotated = await rotate(device.refreshToken)
  await sleep(GRACE_SECONDS * 1000 + 700)

  // when
  const replay = await server.gql(REFRESH_ROTATING, { refreshToken: device.refreshToken })

  // then: refused, and so is every credential of that session
  assert.deepEqual(errorCodes(replay.body.data.tokenRefresh), ['JWT_INVALID_TOKEN'])
  assert.equal(replay.body.data.tokenRefresh.token, null)
  assert.equal(replay.body.data.tokenRefresh.refreshToken, null)
  const successor = await server.gql(REFRESH_SDK, { refreshToken: rotated.refreshToken })
  assert.deepEqual(errorCodes(successor.body.data.tokenRefresh), ['JWT_INVALID_TOKEN'])
  assertTokenRefused(await server.gql(ME, {}, { token: rotated.token }), 'JWT_INVALID_TOKEN', 'the newest access token')
  assertTokenRefused(await server.gql(ME, {}, { token: device.token }), 'JWT_INVALID_TOKEN', 'the first access token')
  // the user's other session is not touched
  assert.deepEqual(
    (await mySessions(server, other.token)).map(s => s.id),
    [other.sessionId],
  )

  const staff = await makeStaff(server.context, ['MANAGE_USERS'])
  const events = await server.gql(
    REUSE_EVENTS,
    { id: customer.id },
    { token: await tokenFor(server.context, staff.id) },
  )
  assert.deepEqual(events.body.data.user.events, [
    { type: 'REFRESH_TOKEN_REUSED', parameters: { session_id: device.sessionId } },
  ])
  const mail = await mailbox.next(customer.email, /Your account was used from another device/)
  assert.match(mail.text, /another device/)
  // the replay once more changes nothing: no second event, no second mail
  await server.gql(REFRESH_ROTATING, { refreshToken: device.refreshToken })
  const again = await server.gql(REUSE_EVENTS, { id: customer.id }, { token: await tokenFor(server.context, staff.id) })
  assert.equal(again.body.data.user.events.length, 1)
})

test('the SDK shape (only token) refreshes twice in a row and never rotates', async () => {
  // given
  const customer = await makeCustomer(server.context)
  const device = await signIn(server, customer.email, 'saleor auth sdk')

  // when: twice, the second after the grace would have run out for a retired token
  const first = await server.gql(REFRESH_SDK, { refreshToken: device.refreshToken })
  await sleep(GRACE_SECONDS * 1000 + 700)
  const second = await server.gql(REFRESH_SDK, { refreshToken: device.refreshToken })

  // then
  for (const res of [first, second]) {
    assert.deepEqual(res.body.data.tokenRefresh.errors, [])
    assert.equal(res.headers.getSetCookie().length, 0)
    assert.equal((await server.gql(ME, {}, { token: res.body.data.tokenRefresh.token })).body.data.me.id, customer.id)
  }
  // the token it holds is still the current one: rotating from it now is no reuse
  const rotated = await rotate(device.refreshToken)
  assert.notEqual(rotated.refreshToken, device.refreshToken)
  assert.equal((await mySessions(server, rotated.token)).length, 1)
})

test('refresh from the cookie rotates it and sets the new cookie; a second tab with the same CSRF token goes on', async () => {
  // given: a browser signed in, its refresh token in the http-only cookie
  const customer = await makeCustomer(server.context)
  const device = await signIn(server, customer.email, 'browser')
  assert.ok(device.cookie, 'tokenCreate set the refresh cookie')

  // when: the first tab refreshes; a second tab whose answer got lost retries with the old cookie; then
  // it refreshes with the cookie the jar now holds and the CSRF token it read at sign-in
  const firstTab = await server.gql(REFRESH_SDK, { csrfToken: device.csrfToken }, { cookie: device.cookie })
  const rotatedCookie = refreshCookieOf(firstTab)
  const lostAnswer = await server.gql(REFRESH_SDK, { csrfToken: device.csrfToken }, { cookie: device.cookie })
  const secondTab = await server.gql(REFRESH_SDK, { csrfToken: device.csrfToken }, { cookie: rotatedCookie })

  // then
  assert.deepEqual(firstTab.body.data.tokenRefresh.errors, [])
  assert.ok(rotatedCookie && rotatedCookie !== device.cookie, 'a new cookie')
  assert.deepEqual(lostAnswer.body.data.tokenRefresh.errors, [])
  assert.equal(refreshCookieOf(lostAnswer), rotatedCookie, 'the retry within the grace gets the same successor')
  assert.deepEqual(secondTab.body.data.tokenRefresh.errors, [])
  const thirdCookie = refreshCookieOf(secondTab)
  assert.ok(thirdCookie && thirdCookie !== rotatedCookie)
  for (const res of [firstTab, lostAnswer, secondTab]) {
    assert.equal((await server.gql(ME, {}, { token: res.body.data.tokenRefresh.token })).body.data.me.id, customer.id)
  }
  assert.equal((await mySessions(server, secondTab.body.data.tokenRefresh.token)).length, 1)
  // a forged CSRF token is still refused on the rotated cookie
  const forged = await server.gql(REFRESH_SDK, { csrfToken: 'forged' }, { cookie: thirdCookie })
  assert.deepEqual(errorCodes(forged.body.data.tokenRefresh), ['JWT_INVALID_CSRF_TOKEN'])
})
