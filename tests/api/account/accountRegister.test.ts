// accountRegister: validation, the password policy, redirectUrl, and a taken email that answers
// like a new one while its owner gets a notice.
import '../../helpers/env'
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, type TestServer } from '../../helpers/server'
import { startMailbox, type Mailbox } from '../../helpers/mailbox'
import { makeCustomer } from '../../helpers/factories'

const REGISTER = `mutation($input: AccountRegisterInput!) { accountRegister(input: $input) { requiresConfirmation user { id } errors { field code } } }`
const REDIRECT = 'http://localhost:3001/confirm'

let server: TestServer
let mailbox: Mailbox

before(async () => {
  mailbox = await startMailbox()
  server = await startServer({ env: { SMTP_URL: mailbox.url, OUTBOX_POLL_MS: '100' } })
})
after(async () => { await server?.stop(); await mailbox?.stop() })

async function usersCount () {
  return server.context.prisma.user.count()
}

test('accountRegister on a taken email answers like a new one and mails the owner a notice', async () => {
  // given
  const owner = await makeCustomer(server.context)
  const before = await usersCount()
  // when
  const taken = await server.gql(REGISTER, { input: { email: owner.email.toUpperCase(), password: 'an entirely new passphrase', redirectUrl: REDIRECT } })
  const fresh = await server.gql(REGISTER, { input: { email: 'brand-new@example.com', password: 'an entirely new passphrase', redirectUrl: REDIRECT } })
  // then
  assert.deepEqual(taken.body, fresh.body)
  assert.deepEqual(taken.body.data.accountRegister, { requiresConfirmation: true, user: null, errors: [] })
  assert.equal(await usersCount(), before + 1)
  const notice = await mailbox.next(owner.email)
  assert.doesNotMatch(notice.text, /token=/)
  await mailbox.next('brand-new@example.com', /confirm/i)
})

test('accountRegister reports every password problem at once and creates nothing', async () => {
  const before = await usersCount()
  const res = await server.gql(REGISTER, { input: { email: 'weak@example.com', password: '1234', redirectUrl: REDIRECT } })
  const codes = res.body.data.accountRegister.errors.map((e: { code: string }) => e.code).sort()
  assert.deepEqual(codes, ['PASSWORD_ENTIRELY_NUMERIC', 'PASSWORD_TOO_COMMON', 'PASSWORD_TOO_SHORT'])
  assert.ok(res.body.data.accountRegister.errors.every((e: { field: string }) => e.field === 'password'))
  assert.equal(await usersCount(), before)
})

test('accountRegister refuses a password too similar to the email', async () => {
  const res = await server.gql(REGISTER, { input: { email: 'margaret.hamilton@example.com', password: 'margarethamilton', redirectUrl: REDIRECT } })
  assert.deepEqual(res.body.data.accountRegister.errors, [{ field: 'password', code: 'PASSWORD_TOO_SIMILAR' }])
})

test('accountRegister accepts a 128-character password, untruncated', async () => {
  const password = 'correct horse battery staple '.repeat(5).slice(0, 128)
  const res = await server.gql(REGISTER, { input: { email: 'long-password@example.com', password, redirectUrl: REDIRECT } })
  assert.deepEqual(res.body.data.accountRegister.errors, [])
  const stored = await server.context.prisma.user.findUnique({ where: { email: 'long-password@example.com' } })
  const { verifyPassword } = await import('../../../services/passwords')
  assert.equal(await verifyPassword(password, stored!.password!), true)
  assert.equal(await verifyPassword(password.slice(0, 72), stored!.password!), false)
})

for (const [label, redirectUrl] of [['a host not on ALLOWED_CLIENT_HOSTS', 'https://evil.example.net/confirm'], ['a javascript: URL', 'javascript:alert(1)'], ['no URL at all', null]] as const) {
  test(`accountRegister refuses ${label} as redirectUrl and creates nothing`, async () => {
    const before = await usersCount()
    const res = await server.gql(REGISTER, { input: { email: `redirect-${Date.now()}@example.com`, password: 'an entirely new passphrase', redirectUrl } })
    assert.equal(res.body.data.accountRegister.errors[0].field, 'redirectUrl')
    assert.ok(['INVALID', 'REQUIRED'].includes(res.body.data.accountRegister.errors[0].code))
    assert.equal(await usersCount(), before)
  })
}

test('accountRegister refuses an invalid email with INVALID on email', async () => {
  const res = await server.gql(REGISTER, { input: { email: 'not an email', password: 'an entirely new passphrase', redirectUrl: REDIRECT } })
  assert.deepEqual(res.body.data.accountRegister.errors, [{ field: 'email', code: 'INVALID' }])
})
