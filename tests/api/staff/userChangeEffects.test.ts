// What follows a change of a user (services/users/afterUserChange.ts) is the same whether the change
// comes through the generated updateUser (and the Admin UI) or through customerUpdate / staffUpdate:
// the same account events, the same webhook, the same sign-out.
import '../../helpers/env'
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, type TestServer } from '../../helpers/server'
import { tokenFor } from '../../helpers/actors'
import { makeCustomer, makeStaff } from '../../helpers/factories'
import { issueOneTimeToken } from '../../../services/identity'

const UPDATE_USER = 'mutation($id: ID!, $data: UserUpdateInput!) { updateUser(where: { id: $id }, data: $data) { id } }'
const CUSTOMER_UPDATE =
  'mutation($id: ID!, $input: CustomerInput!) { customerUpdate(id: $id, input: $input) { errors { field code } } }'
const STAFF_UPDATE =
  'mutation($id: ID!, $input: StaffUpdateInput!) { staffUpdate(id: $id, input: $input) { errors { field code } } }'

let server: TestServer
let token: string

before(async () => {
  server = await startServer()
  token = await tokenFor(server.context, (await makeStaff(server.context, ['MANAGE_USERS', 'MANAGE_STAFF'])).id)
  // a listener for every user webhook, so each one leaves a delivery row to count
  await server.context.prisma.webhook.create({
    data: {
      name: 'all',
      targetUrl: 'https://hooks.example.com/in',
      secret: 's',
      isActive: true,
      events: ['CUSTOMER_UPDATED', 'STAFF_UPDATED', 'CUSTOMER_METADATA_UPDATED'],
    },
  })
})

after(async () => {
  await server?.stop()
})

type Effects = {
  events: string[]
  webhooks: string[]
  signedOut: boolean
  linksLeft: number
  email: string
  isActive: boolean
}

// run one change against a fresh user and read back everything that followed it
async function effectsOf(user: { id: string }, change: () => Promise<unknown>): Promise<Effects> {
  const prisma = server.context.prisma
  const key = (await prisma.user.findUniqueOrThrow({ where: { id: user.id } })).jwtTokenKey
  await issueOneTimeToken(server.context, { userId: user.id, purpose: 'PASSWORD_RESET' })
  const deliveriesBefore = (await prisma.webhookDelivery.findMany({ select: { id: true } })).map(d => d.id)
  await change()
  const row = await prisma.user.findUniqueOrThrow({ where: { id: user.id } })
  const events = await prisma.accountEvent.findMany({ where: { userId: user.id }, orderBy: { date: 'asc' } })
  const deliveries = await prisma.webhookDelivery.findMany({ where: { id: { notIn: deliveriesBefore } } })
  return {
    events: events.map(e => e.type).sort(),
    webhooks: deliveries
      .filter(d => JSON.parse(d.payload as string).data.user.id === user.id)
      .map(d => d.event)
      .sort(),
    signedOut: row.jwtTokenKey !== key,
    linksLeft: await prisma.oneTimeToken.count({ where: { userId: user.id, usedAt: null } }),
    email: row.email,
    isActive: row.isActive,
  }
}

async function expectNoErrors(res: { body: any }, field: string): Promise<void> {
  assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors))
  if (field !== 'updateUser') assert.deepEqual(res.body.data[field].errors, [])
}

test("a customer's new email and deactivation through updateUser and customerUpdate record the same events, webhook and sign-out", async () => {
  // given
  const viaGenerated = await makeCustomer(server.context)
  const viaCustomerUpdate = await makeCustomer(server.context)
  // when
  const generated = await effectsOf(viaGenerated, async () =>
    expectNoErrors(
      await server.gql(
        UPDATE_USER,
        { id: viaGenerated.id, data: { email: `g-${viaGenerated.email}`, isActive: false } },
        { token },
      ),
      'updateUser',
    ),
  )
  const custom = await effectsOf(viaCustomerUpdate, async () =>
    expectNoErrors(
      await server.gql(
        CUSTOMER_UPDATE,
        { id: viaCustomerUpdate.id, input: { email: `c-${viaCustomerUpdate.email}`, isActive: false } },
        { token },
      ),
      'customerUpdate',
    ),
  )
  // then
  assert.deepEqual(generated.events, ['ACCOUNT_DEACTIVATED', 'EMAIL_ASSIGNED'])
  assert.deepEqual(custom.events, generated.events)
  assert.deepEqual(generated.webhooks, ['CUSTOMER_UPDATED'])
  assert.deepEqual(custom.webhooks, generated.webhooks)
  for (const effects of [generated, custom]) {
    assert.equal(effects.signedOut, true)
    assert.equal(effects.linksLeft, 0)
    assert.equal(effects.isActive, false)
  }
  assert.equal(generated.email, `g-${viaGenerated.email}`)
  assert.equal(custom.email, `c-${viaCustomerUpdate.email}`)
})

test("a staff user's new email through updateUser and staffUpdate record the same events and webhook, staffUpdate adding STAFF_UPDATED", async () => {
  // given
  const viaGenerated = await makeStaff(server.context, [])
  const viaStaffUpdate = await makeStaff(server.context, [])
  // when
  const generated = await effectsOf(viaGenerated, async () =>
    expectNoErrors(
      await server.gql(UPDATE_USER, { id: viaGenerated.id, data: { email: `g-${viaGenerated.email}` } }, { token }),
      'updateUser',
    ),
  )
  const custom = await effectsOf(viaStaffUpdate, async () =>
    expectNoErrors(
      await server.gql(
        STAFF_UPDATE,
        { id: viaStaffUpdate.id, input: { email: `s-${viaStaffUpdate.email}` } },
        { token },
      ),
      'staffUpdate',
    ),
  )
  // then
  assert.deepEqual(generated.events, ['EMAIL_ASSIGNED'])
  assert.deepEqual(custom.events, ['EMAIL_ASSIGNED', 'STAFF_UPDATED'])
  assert.deepEqual(generated.webhooks, ['STAFF_UPDATED'])
  assert.deepEqual(custom.webhooks, generated.webhooks)
  assert.equal(generated.signedOut, true)
  assert.equal(custom.signedOut, true)
  assert.equal(generated.linksLeft, 0)
  assert.equal(custom.linksLeft, 0)
})

test('a change of names alone signs no one out on either path', async () => {
  // given
  const viaGenerated = await makeCustomer(server.context)
  const viaCustomerUpdate = await makeCustomer(server.context)
  // when
  const generated = await effectsOf(viaGenerated, async () =>
    expectNoErrors(
      await server.gql(UPDATE_USER, { id: viaGenerated.id, data: { firstName: 'Renamed' } }, { token }),
      'updateUser',
    ),
  )
  const custom = await effectsOf(viaCustomerUpdate, async () =>
    expectNoErrors(
      await server.gql(CUSTOMER_UPDATE, { id: viaCustomerUpdate.id, input: { firstName: 'Renamed' } }, { token }),
      'customerUpdate',
    ),
  )
  // then: customerUpdate alone records the new name (CAUSES in services/users/afterUserChange.ts)
  assert.deepEqual(generated.events, [])
  assert.deepEqual(custom.events, ['NAME_ASSIGNED'])
  assert.deepEqual(generated.webhooks, ['CUSTOMER_UPDATED'])
  assert.deepEqual(custom.webhooks, generated.webhooks)
  for (const effects of [generated, custom]) {
    assert.equal(effects.signedOut, false)
    assert.equal(effects.linksLeft, 1)
  }
})
