// accountRegister answers a taken email and a free one alike, whatever else the input holds: every
// rule the User list applies to a new customer runs before the email is looked up, on the values
// the list stores (trimmed names, the defaulted language code), so no refusal that only a new
// account reaches can tell whether an email is registered (found by review, issue 17).
import '../../helpers/env'
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, type TestServer } from '../../helpers/server'
import { makeCustomer } from '../../helpers/factories'

const REGISTER = `mutation($input: AccountRegisterInput!) { accountRegister(input: $input) { requiresConfirmation user { id } errors { field code } } }`
const REDIRECT = 'http://localhost:3001/confirm'

let server: TestServer

before(async () => {
  server = await startServer({ env: { TRUST_PROXY: '127.0.0.1' } })
})
after(async () => {
  await server?.stop()
})

let ip = 0
for (const [label, extra, code] of [
  ['an empty languageCode', { languageCode: '' }, 'INVALID'],
  ['a 38-character languageCode', { languageCode: 'en-abcdefgh-abcdefgh-abcdefgh-abcdefgh' }, 'INVALID'],
  // the password's similarity is judged against the first name the list stores, trimmed
  [
    'a password like the trimmed first name',
    { firstName: `${' '.repeat(20)}abcd efgh`, password: 'abcd efgh' },
    'PASSWORD_TOO_SIMILAR',
  ],
  [
    'a password like the trimmed last name',
    { lastName: `  marguerite-lavoisier  `, password: 'marguerite-lavoisier' },
    'PASSWORD_TOO_SIMILAR',
  ],
  ['a first name one past the limit once trimmed', { firstName: `${'a'.repeat(257)}` }, 'INVALID'],
] as const) {
  test(`accountRegister with ${label} answers a taken email and a free one alike, with the refusal`, async () => {
    // given
    const owner = await makeCustomer(server.context)
    const input = { password: 'an entirely new passphrase', redirectUrl: REDIRECT, ...extra }
    const users = await server.context.prisma.user.count()
    // when
    const taken = await server.gql(
      REGISTER,
      { input: { ...input, email: owner.email } },
      { headers: { 'x-forwarded-for': `10.9.${++ip}.1` } },
    )
    const free = await server.gql(
      REGISTER,
      { input: { ...input, email: `free-${ip}-${Date.now()}@example.com` } },
      { headers: { 'x-forwarded-for': `10.9.${ip}.2` } },
    )
    // then
    assert.deepEqual(free.body, taken.body)
    const errors = taken.body.data?.accountRegister?.errors ?? []
    assert.ok(
      errors.some((error: { code: string }) => error.code === code),
      JSON.stringify(taken.body),
    )
    assert.equal(await server.context.prisma.user.count(), users)
  })
}
