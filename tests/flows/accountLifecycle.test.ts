// The whole self-service lifecycle, black-box: real HTTP, a real SMTP server catching the mails.
// register → confirm → log in → refresh → change password → reset password → change email → delete.
import '../helpers/env'
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, type TestServer } from '../helpers/server'
import { startMailbox, tokenFromMail, type Mailbox } from '../helpers/mailbox'
import { assertTokenRefused } from '../helpers/refusals'

const REDIRECT = 'http://localhost:3001/account'

const REGISTER = `mutation($input: AccountRegisterInput!) { accountRegister(input: $input) { requiresConfirmation errors { field code message } } }`
const CONFIRM = `mutation($email: String!, $token: String!) { confirmAccount(email: $email, token: $token) { user { email isConfirmed } errors { field code } } }`
const TOKEN_CREATE = `mutation($email: String!, $password: String!) { tokenCreate(email: $email, password: $password) { token refreshToken csrfToken user { id email } errors { field code message } } }`
const TOKEN_REFRESH = `mutation($refreshToken: String, $csrfToken: String) { tokenRefresh(refreshToken: $refreshToken, csrfToken: $csrfToken) { token user { email } errors { field code } } }`
const PASSWORD_CHANGE = `mutation($old: String!, $new: String!) { passwordChange(oldPassword: $old, newPassword: $new) { user { email } errors { field code } } }`
const REQUEST_RESET = `mutation($email: String!) { requestPasswordReset(email: $email, redirectUrl: "${REDIRECT}/reset") { errors { field code } } }`
const SET_PASSWORD = `mutation($email: String!, $token: String!, $password: String!) { setPassword(email: $email, token: $token, password: $password) { token user { email } errors { field code } } }`
const REQUEST_EMAIL_CHANGE = `mutation($password: String!, $newEmail: String!) { requestEmailChange(password: $password, newEmail: $newEmail, redirectUrl: "${REDIRECT}/email") { user { email } errors { field code } } }`
const CONFIRM_EMAIL_CHANGE = `mutation($token: String!) { confirmEmailChange(token: $token) { user { email } errors { field code } } }`
const REQUEST_DELETION = `mutation { accountRequestDeletion(redirectUrl: "${REDIRECT}/delete") { errors { field code } } }`
const ACCOUNT_DELETE = `mutation($token: String!) { accountDelete(token: $token) { errors { field code } } }`
const ME = '{ me { id email firstName } }'

let server: TestServer
let mailbox: Mailbox

before(async () => {
  mailbox = await startMailbox()
  server = await startServer({ env: { SMTP_URL: mailbox.url, OUTBOX_POLL_MS: '100', OUTBOX_BACKOFF_MS: '200' } })
})

after(async () => {
  await server?.stop()
  await mailbox?.stop()
})

test('a shopper goes through the whole account lifecycle with the mails it receives', async () => {
  const email = 'Shopper.One@Example.com'
  const stored = email.toLowerCase()
  const newEmail = 'shopper.moved@example.com'
  let password = 'a long walk in the snowy park'

  // registers and reads the confirmation mail
  const registered = await server.gql(REGISTER, {
    input: { email, password, firstName: 'Sho', lastName: 'Pper', redirectUrl: `${REDIRECT}/confirm` },
  })
  assert.deepEqual(registered.body.data.accountRegister, { requiresConfirmation: true, errors: [] })
  const confirmation = await mailbox.next(stored, /confirm/i)
  assert.match(confirmation.text, new RegExp(`email=${encodeURIComponent(stored).replace(/\./g, '\\.')}`))

  // cannot log in before confirming
  const early = await server.gql(TOKEN_CREATE, { email, password })
  assert.equal(early.body.data.tokenCreate.errors[0].code, 'ACCOUNT_NOT_CONFIRMED')

  // confirms, then logs in and refreshes
  const confirmed = await server.gql(CONFIRM, { email: stored, token: tokenFromMail(confirmation) })
  assert.deepEqual(confirmed.body.data.confirmAccount, { user: { email: stored, isConfirmed: true }, errors: [] })
  const login = await server.gql(TOKEN_CREATE, { email, password })
  const { token, refreshToken, csrfToken } = login.body.data.tokenCreate
  assert.ok(token && refreshToken && csrfToken)
  assert.equal((await server.gql(ME, {}, { token })).body.data.me.email, stored)
  const cookie = login.headers.getSetCookie().find(c => c.startsWith('refreshToken='))
  assert.match(cookie ?? '', /HttpOnly/)
  const refreshed = await server.gql(TOKEN_REFRESH, { csrfToken }, { cookie: cookie!.split(';')[0] })
  assert.equal(refreshed.body.data.tokenRefresh.user.email, stored)
  assert.equal((await server.gql(ME, {}, { token: refreshed.body.data.tokenRefresh.token })).body.data.me.email, stored)

  // changes its password: every older token stops working
  const newPassword = 'another long walk by the river'
  const changed = await server.gql(PASSWORD_CHANGE, { old: password, new: newPassword }, { token })
  assert.deepEqual(changed.body.data.passwordChange.errors, [])
  password = newPassword
  assertTokenRefused(await server.gql(ME, {}, { token }), 'JWT_INVALID_TOKEN')
  assert.equal(
    (await server.gql(TOKEN_REFRESH, { refreshToken })).body.data.tokenRefresh.errors[0].code,
    'JWT_INVALID_TOKEN',
  )
  await mailbox.next(stored, /password/i)

  // requests a reset, reads the mail, sets a new password with the token; the token is then spent
  assert.deepEqual((await server.gql(REQUEST_RESET, { email })).body.data.requestPasswordReset.errors, [])
  const resetMail = await mailbox.next(stored, /reset|password/i)
  const resetToken = tokenFromMail(resetMail)
  const reset = await server.gql(SET_PASSWORD, {
    email: stored,
    token: resetToken,
    password: 'third time a long walk uphill',
  })
  assert.deepEqual(reset.body.data.setPassword.errors, [])
  password = 'third time a long walk uphill'
  assert.ok(reset.body.data.setPassword.token)
  const again = await server.gql(SET_PASSWORD, {
    email: stored,
    token: resetToken,
    password: 'fourth long walk, never happens',
  })
  assert.deepEqual(again.body.data.setPassword.errors, [{ field: 'token', code: 'INVALID' }])

  // changes its email through both mails
  let session = (await server.gql(TOKEN_CREATE, { email, password })).body.data.tokenCreate.token
  const requested = await server.gql(REQUEST_EMAIL_CHANGE, { password, newEmail }, { token: session })
  assert.deepEqual(requested.body.data.requestEmailChange.errors, [])
  const changeMail = await mailbox.next(newEmail, /email/i)
  const confirmedChange = await server.gql(
    CONFIRM_EMAIL_CHANGE,
    { token: tokenFromMail(changeMail) },
    { token: session },
  )
  assert.deepEqual(confirmedChange.body.data.confirmEmailChange, { user: { email: newEmail }, errors: [] })
  const notice = await mailbox.next(stored, /email/i)
  assert.match(notice.text, new RegExp(newEmail.replace(/\./g, '\\.')))
  assert.equal(
    (await server.gql(TOKEN_CREATE, { email, password })).body.data.tokenCreate.errors[0].code,
    'INVALID_CREDENTIALS',
  )

  // requests deletion and deletes
  session = (await server.gql(TOKEN_CREATE, { email: newEmail, password })).body.data.tokenCreate.token
  assert.deepEqual(
    (await server.gql(REQUEST_DELETION, {}, { token: session })).body.data.accountRequestDeletion.errors,
    [],
  )
  const deletionMail = await mailbox.next(newEmail, /delet/i)
  const deleted = await server.gql(ACCOUNT_DELETE, { token: tokenFromMail(deletionMail) }, { token: session })
  assert.deepEqual(deleted.body.data.accountDelete.errors, [])
  assert.equal(await server.context.sudo().db.User.findOne({ where: { email: newEmail } }), null)
  assert.equal(
    (await server.gql(TOKEN_CREATE, { email: newEmail, password })).body.data.tokenCreate.errors[0].code,
    'INVALID_CREDENTIALS',
  )

  // and its history stays for the staff, with the acting user and no secret in it
  const events = await server.context.sudo().db.AccountEvent.findMany({ orderBy: { date: 'asc' } })
  const types = events.map(e => e.type)
  for (const type of [
    'ACCOUNT_CREATED',
    'ACCOUNT_ACTIVATED',
    'PASSWORD_CHANGED',
    'PASSWORD_RESET_LINK_SENT',
    'PASSWORD_RESET',
    'EMAIL_CHANGED_REQUEST',
    'EMAIL_CHANGED',
    'ACCOUNT_DELETION_REQUESTED',
    'ACCOUNT_DELETED',
  ]) {
    assert.ok(types.includes(type), `${type} in ${types.join(', ')}`)
  }
  assert.doesNotMatch(JSON.stringify(events), new RegExp(tokenFromMail(deletionMail)))
})
