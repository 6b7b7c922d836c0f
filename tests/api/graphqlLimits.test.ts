// Limits on every GraphQL request (server/graphqlLimits.ts): the probe's freezing queries are
// refused at once while ordinary requests go on being answered, and one request carries at most
// one password check or mail.
import '../helpers/env'
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, type TestServer } from '../helpers/server'
import { makeAddress, makeCustomer } from '../helpers/factories'
import { makeActors, tokenFor, type Actors } from '../helpers/actors'

let server: TestServer
let actors: Actors
let customerToken: string

before(async () => {
  server = await startServer()
  actors = await makeActors(server.context)
  const customer = await makeCustomer(server.context)
  for (let i = 0; i < 3; i++) await makeAddress(server.context, customer.id)
  customerToken = await tokenFor(server.context, customer.id)
})
after(async () => {
  await server?.stop()
})

// `{ me { addresses { id user { addresses { id user { … } } } } } }`, `levels` addresses deep
function nestedMe(levels: number): string {
  let inner = 'id'
  for (let i = 0; i < levels; i++) inner = `id user { addresses { ${inner} } }`
  return `{ me { addresses { ${inner} } } }`
}

function nestedUsers(levels: number): string {
  let inner = 'id'
  for (let i = 0; i < levels; i++) inner = `id addresses { user { ${inner} } }`
  return `{ users(take: 5) { ${inner} } }`
}

// how fast a refusal is answered is measured by `npm run bench` (hostile requests refused ÷ the
// anonymous generated query, in the same run), not by a clock here: a loaded machine moves it
test("the probe's ten-level nested me query is refused while a parallel ordinary query is answered", async () => {
  // when
  const [nested, ordinary] = await Promise.all([
    server.gql(nestedMe(10), {}, { token: customerToken }),
    server.gql('{ me { id addresses { id city } } }', {}, { token: customerToken }),
  ])
  // then
  assert.equal(nested.status, 400)
  assert.equal(nested.body.data, undefined)
  assert.match(JSON.stringify(nested.body.errors), /depth|rows|Cost/i)
  assert.equal(ordinary.status, 200)
  assert.equal(ordinary.body.data.me.addresses.length, 3)
})

test("a superuser's thirty-level nested users query is refused before it runs", async () => {
  const res = await server.gql(nestedUsers(30), {}, { token: actors.superuser.token })
  assert.equal(res.status, 400)
  assert.equal(res.body.data, undefined)
})

test('lists fanned out beyond the row budget are refused even within the depth limit', async () => {
  // 100 users × 100 addresses × 1 user × 100 addresses: a million rows at depth 5
  const res = await server.gql(
    '{ users(take: 100) { addresses { user { addresses { id } } } } }',
    {},
    { token: actors.superuser.token },
  )
  assert.equal(res.status, 400)
  assert.match(res.body.errors[0].message, /rows/)
  assert.equal(res.body.errors[0].extensions.code, 'REQUEST_TOO_LARGE')
})

test('the same fan-out through a fragment is counted alike', async () => {
  const res = await server.gql(
    'query { users(take: 100) { ...U } } fragment U on User { addresses { user { addresses { id } } } }',
    {},
    { token: actors.superuser.token },
  )
  assert.equal(res.status, 400)
  assert.match(res.body.errors[0].message, /rows/)
})

test('five thousand aliased channels sent anonymously are refused', async () => {
  const aliases = Array.from({ length: 5000 }, (_, i) => `a${i}:channels{id}`).join(' ')
  const res = await server.gql(`{ ${aliases} }`)
  assert.equal(res.status, 400)
  assert.equal(res.body.data, undefined)
})

test('a list asked for more than the maximum take is refused', async () => {
  const res = await server.gql('{ users(take: 1000000) { id } }', {}, { token: actors.superuser.token })
  assert.equal(res.body.data?.users ?? null, null)
  assert.match(JSON.stringify(res.body.errors), /maxTake|take|rows/i)
})

test('a list without take answers at most the maximum', async () => {
  for (let i = 0; i < 3; i++) await makeCustomer(server.context)
  const res = await server.gql('{ users { id } }', {}, { token: actors.superuser.token })
  assert.equal(res.status, 200)
  assert.ok(res.body.data.users.length > 3 && res.body.data.users.length <= 100)
})

test('thirty aliased accountRegister on one email are refused whole: no hash, no mail, no account', async () => {
  // given
  const owner = await makeCustomer(server.context)
  const mailsBefore = await server.context.prisma.outboxMail.count()
  const fields = Array.from(
    { length: 30 },
    (_, i) =>
      `r${i}: accountRegister(input: { email: "${owner.email}", password: "an entirely new passphrase", redirectUrl: "http://localhost:3001/confirm" }) { errors { code } }`,
  ).join(' ')
  // when
  const res = await server.gql(`mutation { ${fields} }`)
  // then: refused as the request is validated, before any field runs (so before any hash)
  assert.equal(res.status, 400)
  assert.match(res.body.errors[0].message, /only one field or item that checks a password or sends a mail/)
  assert.equal(res.body.errors[0].extensions.code, 'REQUEST_TOO_LARGE')
  assert.equal(await server.context.prisma.outboxMail.count(), mailsBefore)
})

test("aliased account actions that mail, from the Admin UI's generated mutations, are refused whole", async () => {
  // given: three customers a superuser may mail
  const customers = await Promise.all([1, 2, 3].map(() => makeCustomer(server.context)))
  const mailsBefore = await server.context.prisma.outboxMail.count()
  const fields = customers.map((c, i) => `r${i}: sendPasswordResetUser(where: { id: "${c.id}" }) { id }`).join(' ')
  // when
  const res = await server.gql(`mutation { ${fields} }`, {}, { token: actors.superuser.token })
  // then
  assert.equal(res.status, 400)
  assert.match(res.body.errors[0].message, /only one field or item that checks a password or sends a mail/)
  assert.equal(await server.context.prisma.outboxMail.count(), mailsBefore)
})

test('two different password checks in one request are refused too', async () => {
  const res = await server.gql(`mutation {
    a: tokenCreate(email: "${actors.customer.email}", password: "wrong password one") { token }
    b: passwordChange(oldPassword: "x", newPassword: "y") { errors { code } }
  }`)
  assert.equal(res.status, 400)
  assert.match(res.body.errors[0].message, /tokenCreate, passwordChange/)
})

test('one password check beside ordinary fields is answered', async () => {
  const res = await server.gql(
    `mutation { tokenCreate(email: "${actors.customer.email}", password: "correct horse battery staple") { token errors { code } } }`,
  )
  assert.equal(res.status, 200)
  assert.deepEqual(res.body.data.tokenCreate.errors, [])
  assert.ok(res.body.data.tokenCreate.token)
})
