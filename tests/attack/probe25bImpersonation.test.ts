// Attacks on today's default-address announcements and passkeyDelete under impersonation, black-box
// over HTTP. A test marked "FINDING:" fails while the hole it names exists; "HELD" marks what held.
import '../helpers/env'
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, type TestServer } from '../helpers/server'
import { makeAddress, makeWebhook } from '../helpers/factories'
import { impersonate, supportAndCustomer } from '../api/impersonation/impersonationClient'
import { DELETE, enrolled } from '../api/passkeys/passkeyClient'

let server: TestServer

before(async () => {
  server = await startServer()
  await makeWebhook(server.context, { targetUrl: 'https://hooks.example.com/in', events: ['CUSTOMER_UPDATED'] })
})
after(async () => {
  await server?.stop()
})

async function impersonated() {
  const { customer, staff, staffToken } = await supportAndCustomer(server.context)
  const token = await impersonate(server, staffToken, customer.id)
  return { customer, staff, token }
}

async function customerUpdatedFor(userId: string): Promise<number> {
  const deliveries = await server.context.prisma.webhookDelivery.findMany({ where: { event: 'CUSTOMER_UPDATED' } })
  return deliveries.filter(d => JSON.parse(d.payload as string).data.user?.id === userId).length
}

for (const [name, query] of [
  [
    'accountSetDefaultAddress',
    'mutation($id: ID!) { accountSetDefaultAddress(id: $id, type: SHIPPING) { errors { code } } }',
  ],
  ['the generated deleteAddress of the default', 'mutation($id: ID!) { deleteAddress(where: { id: $id }) { id } }'],
  ['accountAddressDelete of the default', 'mutation($id: ID!) { accountAddressDelete(id: $id) { errors { code } } }'],
] as const) {
  test(`HELD: under impersonation, a default changed through ${name} names the staff member, never the customer`, async () => {
    // given
    const { customer, staff, token } = await impersonated()
    const address = await makeAddress(server.context, customer.id)
    if (!name.startsWith('accountSet'))
      await server.context.prisma.user.update({
        where: { id: customer.id },
        data: { defaultShippingAddressId: address.id },
      })
    const since = new Date(Date.now() - 1)
    const before = await customerUpdatedFor(customer.id)
    // when
    const res = await server.gql(query, { id: address.id }, { token })
    // then
    const row = await server.context.prisma.user.findUniqueOrThrow({ where: { id: customer.id } })
    const changed = row.defaultShippingAddressId !== (name.startsWith('accountSet') ? null : address.id)
    assert.ok(changed, `not changed: ${JSON.stringify(res.body)}`)
    assert.ok((await customerUpdatedFor(customer.id)) > before, JSON.stringify(res.body))
    const events = await server.context.prisma.accountEvent.findMany({
      where: { userId: customer.id, date: { gte: since } },
    })
    assert.ok(events.length > 0, 'a change under impersonation left no account event')
    for (const e of events) assert.equal(e.actorId, staff.id, JSON.stringify(e))
  })
}

test("HELD: under impersonation, passkeyDelete of the customer's passkey is refused", async () => {
  const { customer, token } = await impersonated()
  const owner = await enrolled(server, { id: customer.id, email: customer.email })
  const res = await server.gql(DELETE, { id: owner.passkeyId }, { token })
  const refused = res.body.errors || (res.body.data?.passkeyDelete?.errors ?? []).length > 0
  assert.ok(refused, JSON.stringify(res.body))
  assert.ok(await server.context.prisma.passkeyCredential.findUnique({ where: { id: owner.passkeyId } }))
})
