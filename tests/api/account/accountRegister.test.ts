// accountRegister: validation, the password policy, redirectUrl, metadata limits, a taken email
// that answers like a new one while its owner gets a notice (one per quiet period), and the
// per-IP limit. The server trusts this test process as its proxy (TRUST_PROXY=127.0.0.1), so a
// request sent with X-Forwarded-For counts as that client; one without counts as 127.0.0.1.
import '../../helpers/env'
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, type TestServer } from '../../helpers/server'
import { startMailbox, type Mailbox } from '../../helpers/mailbox'
import { makeCustomer } from '../../helpers/factories'

const REGISTER = `mutation($input: AccountRegisterInput!) { accountRegister(input: $input) { requiresConfirmation user { id } errors { field code } } }`
const REGISTER_WITH_MESSAGES = `mutation($input: AccountRegisterInput!) { accountRegister(input: $input) { requiresConfirmation user { id } errors { field code message } } }`
const REDIRECT = 'http://localhost:3001/confirm'

let server: TestServer
let mailbox: Mailbox

before(async () => {
  mailbox = await startMailbox()
  server = await startServer({ env: { SMTP_URL: mailbox.url, OUTBOX_POLL_MS: '100', TRUST_PROXY: '127.0.0.1' } })
})
after(async () => {
  await server?.stop()
  await mailbox?.stop()
})

async function usersCount() {
  return server.context.prisma.user.count()
}

function from(ip: string) {
  return { headers: { 'x-forwarded-for': ip } }
}

const ORDINARY = { requiresConfirmation: true, user: null, errors: [] }

test('accountRegister on a taken email answers like a new one and mails the owner a notice', async () => {
  // given
  const owner = await makeCustomer(server.context)
  const before = await usersCount()
  // when
  const taken = await server.gql(REGISTER, {
    input: { email: owner.email.toUpperCase(), password: 'an entirely new passphrase', redirectUrl: REDIRECT },
  })
  const fresh = await server.gql(REGISTER, {
    input: { email: 'brand-new@example.com', password: 'an entirely new passphrase', redirectUrl: REDIRECT },
  })
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
  const res = await server.gql(REGISTER, {
    input: { email: 'weak@example.com', password: '1234', redirectUrl: REDIRECT },
  })
  const codes = res.body.data.accountRegister.errors.map((e: { code: string }) => e.code).sort()
  assert.deepEqual(codes, ['PASSWORD_ENTIRELY_NUMERIC', 'PASSWORD_TOO_COMMON', 'PASSWORD_TOO_SHORT'])
  assert.ok(res.body.data.accountRegister.errors.every((e: { field: string }) => e.field === 'password'))
  assert.equal(await usersCount(), before)
})

test('accountRegister refuses a password too similar to the email', async () => {
  const res = await server.gql(REGISTER, {
    input: { email: 'margaret.hamilton@example.com', password: 'margarethamilton', redirectUrl: REDIRECT },
  })
  assert.deepEqual(res.body.data.accountRegister.errors, [{ field: 'password', code: 'PASSWORD_TOO_SIMILAR' }])
})

test('accountRegister accepts a 128-character password, untruncated', async () => {
  const password = 'correct horse battery staple '.repeat(5).slice(0, 128)
  const res = await server.gql(REGISTER, {
    input: { email: 'long-password@example.com', password, redirectUrl: REDIRECT },
  })
  assert.deepEqual(res.body.data.accountRegister.errors, [])
  const stored = await server.context.prisma.user.findUnique({ where: { email: 'long-password@example.com' } })
  const { verifyPassword } = await import('../../../services/identity/passwords')
  assert.equal(await verifyPassword(password, stored!.password!), true)
  assert.equal(await verifyPassword(password.slice(0, 72), stored!.password!), false)
})

for (const [label, redirectUrl] of [
  ['a host not on ALLOWED_CLIENT_HOSTS', 'https://evil.example.net/confirm'],
  ['a javascript: URL', 'javascript:alert(1)'],
  ['no URL at all', null],
] as const) {
  test(`accountRegister refuses ${label} as redirectUrl and creates nothing`, async () => {
    const before = await usersCount()
    const res = await server.gql(REGISTER, {
      input: { email: `redirect-${Date.now()}@example.com`, password: 'an entirely new passphrase', redirectUrl },
    })
    assert.equal(res.body.data.accountRegister.errors[0].field, 'redirectUrl')
    assert.ok(['INVALID', 'REQUIRED'].includes(res.body.data.accountRegister.errors[0].code))
    assert.equal(await usersCount(), before)
  })
}

test('accountRegister refuses an invalid email with INVALID on email', async () => {
  const res = await server.gql(REGISTER, {
    input: { email: 'not an email', password: 'an entirely new passphrase', redirectUrl: REDIRECT },
  })
  assert.deepEqual(res.body.data.accountRegister.errors, [{ field: 'email', code: 'INVALID' }])
})

test('thirty accountRegister requests on one taken email mail its owner one notice, and answer alike until the per-IP limit refuses the rest', async () => {
  // given
  const owner = await makeCustomer(server.context)
  const client = from('198.51.100.30')
  const input = { email: owner.email, password: 'an entirely new passphrase', redirectUrl: REDIRECT }
  // when thirty separate requests arrive at once
  const answers = await Promise.all(
    Array.from({ length: 30 }, () => server.gql(REGISTER_WITH_MESSAGES, { input }, client)),
  )
  // then the first twenty (the default limit) get the ordinary answer and the rest the limit's error
  const payloads = answers.map(answer => answer.body.data.accountRegister)
  const ordinary = payloads.filter(payload => payload.errors.length === 0)
  const refused = payloads.filter(payload => payload.errors.length > 0)
  assert.equal(ordinary.length, 20)
  for (const payload of ordinary) assert.deepEqual(payload, ORDINARY)
  for (const payload of refused) {
    assert.deepEqual(
      payload.errors.map((e: { field: string | null; code: string }) => [e.field, e.code]),
      [[null, 'TOO_MANY_REQUESTS']],
    )
    assert.match(payload.errors[0].message, /^Too many requests from your network\. Try again in 10 minutes\.$/)
  }
  // and the owner got exactly one notice
  assert.equal(
    await server.context.prisma.outboxMail.count({ where: { to: owner.email, template: 'ACCOUNT_EXISTS' } }),
    1,
  )
  await mailbox.next(owner.email, /tried to register/)
  await new Promise(resolve => setTimeout(resolve, 1000))
  assert.equal(mailbox.mails.filter(mail => mail.to === owner.email).length, 1)
})

test('accountRegister past the per-IP limit refuses a free email exactly like a taken one, and another client IP is not affected', async () => {
  // given a client that used up its requests
  const owner = await makeCustomer(server.context)
  const client = from('198.51.100.31')
  await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      server.gql(
        REGISTER,
        {
          input: {
            email: `limit-${i}-${Date.now()}@example.com`,
            password: 'an entirely new passphrase',
            redirectUrl: REDIRECT,
          },
        },
        client,
      ),
    ),
  )
  const before = await usersCount()
  // when
  const taken = await server.gql(
    REGISTER_WITH_MESSAGES,
    { input: { email: owner.email, password: 'an entirely new passphrase', redirectUrl: REDIRECT } },
    client,
  )
  const free = await server.gql(
    REGISTER_WITH_MESSAGES,
    {
      input: { email: 'never-seen-before@example.com', password: 'an entirely new passphrase', redirectUrl: REDIRECT },
    },
    client,
  )
  const other = await server.gql(
    REGISTER,
    { input: { email: 'from-another-ip@example.com', password: 'an entirely new passphrase', redirectUrl: REDIRECT } },
    from('198.51.100.32'),
  )
  // then
  assert.equal(taken.body.data.accountRegister.errors[0]?.code, 'TOO_MANY_REQUESTS')
  assert.deepEqual(taken.body, free.body)
  assert.equal(await server.context.prisma.outboxMail.count({ where: { to: owner.email } }), 0)
  assert.deepEqual(other.body.data.accountRegister, ORDINARY)
  assert.equal(await usersCount(), before + 1)
})

test('accountRegister refuses a metadata key longer than 256 characters with INVALID on metadata and creates nothing', async () => {
  // given
  const before = await usersCount()
  // when
  const res = await server.gql(REGISTER, {
    input: {
      email: 'long-key@example.com',
      password: 'an entirely new passphrase',
      redirectUrl: REDIRECT,
      metadata: [{ key: 'k'.repeat(300), value: 'v' }],
    },
  })
  // then
  assert.deepEqual(res.body.data.accountRegister.errors, [{ field: 'metadata', code: 'INVALID' }])
  assert.equal(await usersCount(), before)
})
