// Attacks on today's changes (default addresses announced, passkeyDelete's second factor, the
// parser's refusals), black-box over HTTP. A test marked "FINDING:" fails while the hole it names
// exists; "HELD" marks what held.
import '../helpers/env'
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { connect } from 'node:net'
import { startServer, type TestServer } from '../helpers/server'
import { tokenFor } from '../helpers/actors'
import { makeAddress, makeCustomer, makeWebhook } from '../helpers/factories'
import { DELETE, enrolled } from '../api/passkeys/passkeyClient'

let server: TestServer

before(async () => {
  server = await startServer()
  await makeWebhook(server.context, { targetUrl: 'https://hooks.example.com/in', events: ['CUSTOMER_UPDATED'] })
})
after(async () => {
  await server?.stop()
})

async function customerUpdatedFor(userId: string) {
  const deliveries = await server.context.prisma.webhookDelivery.findMany({ where: { event: 'CUSTOMER_UPDATED' } })
  return deliveries.map(d => JSON.parse(d.payload as string)).filter(p => p.data.user?.id === userId)
}

const DELETE_ADDRESSES = `mutation($where: [AddressWhereUniqueInput!]!) { deleteAddresses(where: $where) { id } }`

test("HELD: deleteAddresses of its own default and another customer's default: only its own goes, announced once", async () => {
  // given: two customers, each with a default shipping address
  const me = await makeCustomer(server.context)
  const other = await makeCustomer(server.context)
  const mine = await makeAddress(server.context, me.id)
  const theirs = await makeAddress(server.context, other.id)
  const second = await makeAddress(server.context, me.id)
  await server.context.prisma.user.update({
    where: { id: me.id },
    data: { defaultShippingAddressId: mine.id, defaultBillingAddressId: second.id },
  })
  await server.context.prisma.user.update({ where: { id: other.id }, data: { defaultShippingAddressId: theirs.id } })
  const token = await tokenFor(server.context, me.id)
  // when: one bulk delete names both of its own and the other's
  const res = await server.gql(
    DELETE_ADDRESSES,
    { where: [{ id: mine.id }, { id: theirs.id }, { id: second.id }] },
    {
      token,
    },
  )
  // then: the other's stays with its default, never announced
  assert.ok(await server.context.prisma.address.findUnique({ where: { id: theirs.id } }))
  const otherRow = await server.context.prisma.user.findUniqueOrThrow({ where: { id: other.id } })
  assert.equal(otherRow.defaultShippingAddressId, theirs.id)
  assert.equal((await customerUpdatedFor(other.id)).length, 0)
  // and its own book is whole either way: a refused bulk changed nothing (no default cleared, no
  // announcement of a change that did not happen); a bulk that went cleared and announced
  const gone = !(await server.context.prisma.address.findUnique({ where: { id: mine.id } }))
  const meRow = await server.context.prisma.user.findUniqueOrThrow({ where: { id: me.id } })
  const announced = (await customerUpdatedFor(me.id)).length
  if (res.body.data?.deleteAddresses === null) {
    assert.equal(gone, false, 'refused, yet deleted')
    assert.equal(meRow.defaultShippingAddressId, mine.id, 'refused, yet its default shipping was cleared')
    assert.equal(meRow.defaultBillingAddressId, second.id, 'refused, yet its default billing was cleared')
    assert.equal(announced, 0, 'refused, yet CUSTOMER_UPDATED was queued')
  } else {
    assert.equal(gone, true)
    assert.equal(meRow.defaultShippingAddressId, null)
    assert.equal(meRow.defaultBillingAddressId, null)
    assert.ok(announced >= 1)
  }
  // each cleared default is a change of the customer; its events name the customer as the actor
  const events = await server.context.prisma.accountEvent.findMany({ where: { userId: me.id } })
  for (const e of events) assert.equal(e.actorId, me.id, JSON.stringify(e))
  // a payload never carries a secret column
  for (const p of await customerUpdatedFor(me.id)) {
    const text = JSON.stringify(p)
    for (const secret of ['password', 'totpSecret', 'recoveryCode'])
      assert.ok(!text.includes(secret), `${secret} in ${text}`)
  }
})

test("HELD: the other customer's address named alone in deleteAddress: refused, nothing cleared or announced", async () => {
  const me = await makeCustomer(server.context)
  const other = await makeCustomer(server.context)
  const theirs = await makeAddress(server.context, other.id)
  await server.context.prisma.user.update({ where: { id: other.id }, data: { defaultBillingAddressId: theirs.id } })
  const res = await server.gql(
    'mutation($id: ID!) { deleteAddress(where: { id: $id }) { id } }',
    { id: theirs.id },
    {
      token: await tokenFor(server.context, me.id),
    },
  )
  assert.equal(res.body.data?.deleteAddress ?? null, null)
  const row = await server.context.prisma.user.findUniqueOrThrow({ where: { id: other.id } })
  assert.equal(row.defaultBillingAddressId, theirs.id)
  assert.equal((await customerUpdatedFor(other.id)).length, 0)
})

const SET_DEFAULT = `mutation($a: ID!, $b: ID!) {
  one: accountSetDefaultAddress(id: $a, type: SHIPPING) { errors { code } }
  two: accountSetDefaultAddress(id: $b, type: SHIPPING) { errors { code } }
  three: accountSetDefaultAddress(id: $a, type: SHIPPING) { errors { code } } }`

test('HELD: aliased default changes in one request: one announcement for each change that changed something', async () => {
  const me = await makeCustomer(server.context)
  const a = await makeAddress(server.context, me.id)
  const b = await makeAddress(server.context, me.id)
  const res = await server.gql(SET_DEFAULT, { a: a.id, b: b.id }, { token: await tokenFor(server.context, me.id) })
  assert.equal(res.body.errors, undefined, JSON.stringify(res.body))
  const row = await server.context.prisma.user.findUniqueOrThrow({ where: { id: me.id } })
  assert.equal(row.defaultShippingAddressId, a.id)
  const count = (await customerUpdatedFor(me.id)).length
  assert.ok(count >= 1 && count <= 3, String(count))
})

const ME = '{ me { id } }'

for (const amr of [['ext'], ['pwd'], ['imp']] as const) {
  test(`HELD: passkeyDelete from a session with amr ${JSON.stringify(amr)} is refused, the passkey stays`, async () => {
    const owner = await enrolled(server)
    const token = await tokenFor(server.context, owner.user.id, [...amr])
    const res = await server.gql(DELETE, { id: owner.passkeyId }, { token })
    const refused = res.body.errors || (res.body.data?.passkeyDelete?.errors ?? []).length > 0
    assert.ok(refused, JSON.stringify(res.body))
    assert.ok(await server.context.prisma.passkeyCredential.findUnique({ where: { id: owner.passkeyId } }))
  })
}

test('HELD: the same passkey deleted twice at once: one succeeds, one PASSKEY_REMOVED event', async () => {
  const owner = await enrolled(server)
  const token = await tokenFor(server.context, owner.user.id, ['hwk', 'mfa'])
  const [x, y] = await Promise.all([
    server.gql(DELETE, { id: owner.passkeyId }, { token }),
    server.gql(DELETE, { id: owner.passkeyId }, { token }),
  ])
  const ok = [x, y].filter(r => r.body.data?.passkeyDelete?.errors?.length === 0).length
  assert.equal(ok, 1, JSON.stringify([x.body, y.body]))
  const events = await server.context.prisma.accountEvent.count({
    where: { userId: owner.user.id, type: 'PASSKEY_REMOVED' },
  })
  assert.equal(events, 1)
  // the caller's session goes on
  const me = await server.gql(ME, {}, { token })
  assert.equal(me.body.data?.me?.id, owner.user.id)
})

// a raw request; the whole answer as text
function raw(request: string | Buffer): Promise<string> {
  const { hostname, port } = new URL(server.url)
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.end(request))
    let text = ''
    socket.on('data', chunk => (text += chunk.toString('latin1')))
    socket.on('end', () => resolve(text))
    socket.on('close', () => resolve(text))
    socket.on('error', reject)
  })
}

test('HELD: a request line carrying CR/LF and a header is refused as JSON, nothing of it echoed', async () => {
  const answer = await raw('GET /api/graphql\rSet-Cookie: pwned=1\r\nHost: x HTTP/1.1\r\nHost: x\r\n\r\n')
  const [head, body] = answer.split('\r\n\r\n')
  assert.match(head!, /^HTTP\/1\.1 400 /)
  assert.ok(!/pwned/i.test(answer), answer)
  assert.equal(typeof JSON.parse(body!).errors[0].extensions.code, 'string')
  // and the server keeps serving
  const me = await server.gql(ME, {})
  assert.equal(me.status, 200)
})

test('HELD: a huge URL is refused 431 as JSON and the server keeps serving', async () => {
  const answer = await raw(`GET /?q=${'a'.repeat(100_000)}<script> HTTP/1.1\r\nHost: x\r\n\r\n`)
  assert.match(answer, /^HTTP\/1\.1 431 /, answer.slice(0, 200))
  assert.ok(!answer.includes('<script>'))
  const body = answer.split('\r\n\r\n')[1]!
  assert.equal(JSON.parse(body).errors[0].extensions.code, 'REQUEST_HEADER_FIELDS_TOO_LARGE')
  const me = await server.gql(ME, {})
  assert.equal(me.status, 200)
})

test('HELD: a null byte and a bad chunk size are refused 400 as JSON', async () => {
  for (const request of [
    'GET /\0 HTTP/1.1\r\nHost: x\r\n\r\n',
    'POST /api/graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
    'GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n',
  ]) {
    const answer = await raw(request)
    assert.match(answer, /^HTTP\/1\.1 400 /, JSON.stringify(answer.slice(0, 300)))
    assert.match(answer, /Content-Type: application\/json/)
  }
  const me = await server.gql(ME, {})
  assert.equal(me.status, 200)
})

test('HELD: tab A asks, then four more asks: A is refused, the newest registers, another user is never pruned', async () => {
  const { SoftAuthenticator } = await import('../helpers/softAuthenticator')
  const { REGISTER, registrationOptions } = await import('../api/passkeys/passkeyClient')
  const me = await makeCustomer(server.context)
  const other = await makeCustomer(server.context)
  const token = await tokenFor(server.context, me.id)
  const otherToken = await tokenFor(server.context, other.id)
  // the other user starts a registration first
  const theirs = await registrationOptions(server, otherToken)
  const tabA = await registrationOptions(server, token)
  let newest = tabA
  for (let i = 0; i < 4; i++) newest = await registrationOptions(server, token)
  // tab A: refused
  const a = await server.gql(REGISTER, { response: new SoftAuthenticator().register(tabA) }, { token })
  const aErrors = a.body.data?.passkeyRegister?.errors ?? a.body.errors
  assert.ok(aErrors?.length > 0, JSON.stringify(a.body))
  // the newest: registers
  const n = await server.gql(REGISTER, { response: new SoftAuthenticator().register(newest) }, { token })
  assert.deepEqual(n.body.data?.passkeyRegister?.errors, [], JSON.stringify(n.body))
  // the other user's still does
  const t = await server.gql(REGISTER, { response: new SoftAuthenticator().register(theirs) }, { token: otherToken })
  assert.deepEqual(t.body.data?.passkeyRegister?.errors, [], JSON.stringify(t.body))
})
