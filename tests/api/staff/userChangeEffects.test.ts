// What follows a change of a user (services/users/afterUserChange.ts) follows the change, never the
// path that made it: for every change a user can undergo, each path that can make it (the generated
// createUser/updateUser as the Admin UI sends them, the Admin UI's list actions, Saleor's mutations,
// Openfront's) records the same account events with the same parameters, sends the same webhooks and
// ends the same sessions and links. A path adds only the events that are its own intent (staffUpdate's
// STAFF_UPDATED), named in its row.
import '../../helpers/env'
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, type TestServer } from '../../helpers/server'
import { tokenFor } from '../../helpers/actors'
import { PASSWORD, makeAddress, makeCustomer, makePermissionGroup, makeStaff } from '../../helpers/factories'
import { issueOneTimeToken } from '../../../services/identity'

const CREATE_USER = 'mutation($data: UserCreateInput!) { createUser(data: $data) { id } }'
const UPDATE_USER = 'mutation($id: ID!, $data: UserUpdateInput!) { updateUser(where: { id: $id }, data: $data) { id } }'
const ACTIVATE_USER = 'mutation($id: ID!) { activateUser(where: { id: $id }) { id } }'
const DEACTIVATE_USER = 'mutation($id: ID!) { deactivateUser(where: { id: $id }) { id } }'
const CUSTOMER_CREATE =
  'mutation($input: CustomerInput!) { customerCreate(input: $input) { user { id } errors { field code message } } }'
const CUSTOMER_UPDATE =
  'mutation($id: ID!, $input: CustomerInput!) { customerUpdate(id: $id, input: $input) { errors { field code message } } }'
const STAFF_CREATE =
  'mutation($input: StaffCreateInput!) { staffCreate(input: $input) { user { id } errors { field code message } } }'
const STAFF_UPDATE =
  'mutation($id: ID!, $input: StaffUpdateInput!) { staffUpdate(id: $id, input: $input) { errors { field code message } } }'
const ACCOUNT_UPDATE =
  'mutation($input: AccountInput!) { accountUpdate(input: $input) { errors { field code message } } }'
const PASSWORD_CHANGE =
  'mutation($old: String!, $new: String!) { passwordChange(oldPassword: $old, newPassword: $new) { errors { field code message } } }'
const UPDATE_ACTIVE_USER = 'mutation($data: UserUpdateProfileInput!) { updateActiveUser(data: $data) { id } }'
const UPDATE_ACTIVE_USER_PASSWORD =
  'mutation($old: String!, $new: String!) { updateActiveUserPassword(oldPassword: $old, newPassword: $new, confirmPassword: $new) { id } }'

const ACCOUNT_SET_DEFAULT =
  'mutation($id: ID!, $type: AddressTypeEnum!) { accountSetDefaultAddress(id: $id, type: $type) { errors { field code message } } }'
const ADDRESS_SET_DEFAULT =
  'mutation($userId: ID!, $addressId: ID!, $type: AddressTypeEnum!) { addressSetDefault(userId: $userId, addressId: $addressId, type: $type) { errors { field code message } } }'
const ACCOUNT_ADDRESS_CREATE =
  'mutation($input: AddressInput!, $type: AddressTypeEnum) { accountAddressCreate(input: $input, type: $type) { errors { field code message } } }'
const DELETE_ADDRESS = 'mutation($id: ID!) { deleteAddress(where: { id: $id }) { id } }'
const ACCOUNT_ADDRESS_DELETE = 'mutation($id: ID!) { accountAddressDelete(id: $id) { errors { field code message } } }'
const DELETE_ACTIVE_USER_ADDRESS = 'mutation($id: ID!) { deleteActiveUserAddress(where: { id: $id }) { id } }'
const ADDRESS_DELETE = 'mutation($id: ID!) { addressDelete(id: $id) { errors { field code message } } }'
const ADDRESS = {
  streetAddress1: '1 Main St',
  city: 'Springfield',
  postalCode: '62701',
  country: 'US',
  countryArea: 'IL',
}

const NEW_PASSWORD = 'a brand new passphrase 42'

// every webhook a change of a user may send, so each one leaves a delivery row to read
const USER_WEBHOOKS = [
  'CUSTOMER_CREATED',
  'CUSTOMER_UPDATED',
  'CUSTOMER_METADATA_UPDATED',
  'STAFF_CREATED',
  'STAFF_UPDATED',
  'ACCOUNT_CONFIRMED',
  'ACCOUNT_EMAIL_CHANGED',
  'ACCOUNT_SET_PASSWORD_REQUESTED',
  'STAFF_SET_PASSWORD_REQUESTED',
]

let server: TestServer
let staffToken: string
let groupId: string

before(async () => {
  server = await startServer()
  const manager = await makeStaff(server.context, ['MANAGE_USERS', 'MANAGE_STAFF'])
  staffToken = await tokenFor(server.context, manager.id)
  groupId = (await makePermissionGroup(server.context, ['MANAGE_USERS'])).id
  await server.context.prisma.webhook.create({
    data: {
      name: 'all',
      targetUrl: 'https://hooks.example.com/in',
      secret: 's',
      isActive: true,
      events: USER_WEBHOOKS,
    },
  })
})

after(async () => {
  await server?.stop()
})

type Subject = { id: string; email: string }
type Event = { type: string; parameters: unknown }
type Effects = { events: Event[]; webhooks: string[]; signedOut: boolean; linksLeft: number }

/** One way to make a change: the request, and the events that are this path's own intent. */
type Path = {
  name: string
  run: (user: Subject, newEmail: string) => Promise<unknown>
  intent?: string[]
}

/** A path that creates a user answers its id. */
type CreatePath = { name: string; run: (email: string) => Promise<string> }

function ok(res: { body: any }, field: string): unknown {
  assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors))
  const answer = res.body.data[field]
  if (answer && 'errors' in answer) assert.deepEqual(answer.errors, [])
  return answer
}

const asStaff = (query: string, variables: Record<string, unknown>, field: string) =>
  server.gql(query, variables, { token: staffToken }).then(res => ok(res, field))

const asSelf = async (user: Subject, query: string, variables: Record<string, unknown>, field: string) =>
  ok(await server.gql(query, variables, { token: await tokenFor(server.context, user.id) }), field)

// the parameters as they would read for any user: its emails and the group under test by role
function normalised(parameters: unknown, emails: Record<string, string>): unknown {
  let text = JSON.stringify(parameters ?? {})
  for (const [email, role] of Object.entries(emails)) text = text.split(JSON.stringify(email)).join(`"<${role}>"`)
  return JSON.parse(text.split(JSON.stringify(groupId)).join('"<group>"'))
}

async function readEffects(
  userId: string,
  since: { deliveries: string[]; key: string | null },
  emails: Record<string, string>,
): Promise<Effects> {
  const prisma = server.context.prisma
  const row = await prisma.user.findUniqueOrThrow({ where: { id: userId } })
  const events = await prisma.accountEvent.findMany({ where: { userId } })
  const deliveries = await prisma.webhookDelivery.findMany({ where: { id: { notIn: since.deliveries } } })
  return {
    events: events
      .map(e => ({ type: e.type, parameters: normalised(e.parameters, emails) }))
      .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
    webhooks: deliveries
      .filter(d => JSON.parse(d.payload as string).data.user?.id === userId)
      .map(d => d.event)
      .sort(),
    signedOut: since.key !== null && row.jwtTokenKey !== since.key,
    linksLeft: await prisma.oneTimeToken.count({ where: { userId, usedAt: null } }),
  }
}

async function deliveryIds(): Promise<string[]> {
  return (await server.context.prisma.webhookDelivery.findMany({ select: { id: true } })).map(d => d.id)
}

// run one change against a fresh user, with a pending link to see whether it dies, and read back
// everything that followed it
async function effectsOfChange(make: () => Promise<Subject>, path: Path): Promise<Effects> {
  const user = await make()
  const newEmail = `new-${user.email}`
  await issueOneTimeToken(server.context, { userId: user.id, purpose: 'PASSWORD_RESET', sentTo: user.email })
  const key = (await server.context.prisma.user.findUniqueOrThrow({ where: { id: user.id } })).jwtTokenKey
  const deliveries = await deliveryIds()
  await path.run(user, newEmail)
  const effects = await readEffects(
    user.id,
    { deliveries, key },
    { [user.email]: 'old email', [newEmail]: 'new email' },
  )
  // this path's own intent, stated in its row, is what may differ; the rest must not
  const intent = path.intent ?? []
  for (const type of intent) {
    assert.ok(
      effects.events.some(e => e.type === type),
      `${path.name} records its own ${type}`,
    )
  }
  return { ...effects, events: effects.events.filter(e => !intent.includes(e.type)) }
}

async function effectsOfCreation(path: CreatePath, email: string): Promise<Effects> {
  const deliveries = await deliveryIds()
  const id = await path.run(email)
  return readEffects(id, { deliveries, key: null }, { [email]: 'email' })
}

const customer = () => makeCustomer(server.context)
const inactiveCustomer = () => makeCustomer(server.context, { isActive: false })
const staffUser = () => makeStaff(server.context, [])
// a customer with one address in its book; and with that address as its default shipping address
async function customerWithAddress(): Promise<Subject> {
  const user = await makeCustomer(server.context)
  await makeAddress(server.context, user.id)
  return user
}
async function customerWithDefaultAddress(): Promise<Subject> {
  const user = await customerWithAddress()
  await server.context.prisma.user.update({
    where: { id: user.id },
    data: { defaultShippingAddressId: await addressOf(user) },
  })
  return user
}
async function addressOf(user: Subject): Promise<string> {
  return (await server.context.prisma.address.findFirstOrThrow({ where: { userId: user.id } })).id
}
const inactiveStaffUser = () => makeStaff(server.context, [], { isActive: false })

const generatedUpdate =
  (data: (user: Subject, newEmail: string) => Record<string, unknown>): Path['run'] =>
  (user, newEmail) =>
    asStaff(UPDATE_USER, { id: user.id, data: data(user, newEmail) }, 'updateUser')
const customerUpdate =
  (input: (user: Subject, newEmail: string) => Record<string, unknown>): Path['run'] =>
  (user, newEmail) =>
    asStaff(CUSTOMER_UPDATE, { id: user.id, input: input(user, newEmail) }, 'customerUpdate')
const staffUpdate =
  (input: (user: Subject, newEmail: string) => Record<string, unknown>): Path['run'] =>
  (user, newEmail) =>
    asStaff(STAFF_UPDATE, { id: user.id, input: input(user, newEmail) }, 'staffUpdate')
const STAFF_UPDATED = ['STAFF_UPDATED']

type UpdateRow = {
  change: string
  make: () => Promise<Subject>
  paths: Path[]
  expected: Effects
}

const UPDATES: UpdateRow[] = [
  {
    change: 'rename a customer (first and last name)',
    make: customer,
    paths: [
      { name: 'updateUser', run: generatedUpdate(() => ({ firstName: 'Ada', lastName: 'Lovelace' })) },
      { name: 'customerUpdate', run: customerUpdate(() => ({ firstName: 'Ada', lastName: 'Lovelace' })) },
      {
        name: 'accountUpdate',
        run: user =>
          asSelf(user, ACCOUNT_UPDATE, { input: { firstName: 'Ada', lastName: 'Lovelace' } }, 'accountUpdate'),
      },
    ],
    expected: {
      events: [{ type: 'NAME_ASSIGNED', parameters: { message: 'Ada Lovelace' } }],
      webhooks: ['CUSTOMER_UPDATED'],
      signedOut: false,
      linksLeft: 1,
    },
  },
  {
    change: "rename a customer (Openfront's name)",
    make: customer,
    paths: [
      { name: 'updateUser', run: generatedUpdate(() => ({ name: 'Ada L.' })) },
      {
        name: 'updateActiveUser',
        run: user => asSelf(user, UPDATE_ACTIVE_USER, { data: { name: 'Ada L.' } }, 'updateActiveUser'),
      },
    ],
    expected: {
      events: [{ type: 'NAME_ASSIGNED', parameters: { message: 'Ada L.' } }],
      webhooks: ['CUSTOMER_UPDATED'],
      signedOut: false,
      linksLeft: 1,
    },
  },
  {
    change: 'rename a staff user',
    make: staffUser,
    paths: [
      { name: 'updateUser', run: generatedUpdate(() => ({ firstName: 'Ada', lastName: 'Lovelace' })) },
      {
        name: 'staffUpdate',
        run: staffUpdate(() => ({ firstName: 'Ada', lastName: 'Lovelace' })),
        intent: STAFF_UPDATED,
      },
    ],
    expected: {
      events: [{ type: 'NAME_ASSIGNED', parameters: { message: 'Ada Lovelace' } }],
      webhooks: ['STAFF_UPDATED'],
      signedOut: false,
      linksLeft: 1,
    },
  },
  {
    change: "set a customer's metadata",
    make: customer,
    paths: [
      { name: 'updateUser', run: generatedUpdate(() => ({ metadata: { tier: 'gold' } })) },
      { name: 'customerUpdate', run: customerUpdate(() => ({ metadata: [{ key: 'tier', value: 'gold' }] })) },
      {
        name: 'accountUpdate',
        run: user =>
          asSelf(user, ACCOUNT_UPDATE, { input: { metadata: [{ key: 'tier', value: 'gold' }] } }, 'accountUpdate'),
      },
    ],
    expected: {
      events: [],
      webhooks: ['CUSTOMER_METADATA_UPDATED', 'CUSTOMER_UPDATED'],
      signedOut: false,
      linksLeft: 1,
    },
  },
  {
    change: 'deactivate a customer',
    make: customer,
    paths: [
      { name: 'updateUser', run: generatedUpdate(() => ({ isActive: false })) },
      { name: 'customerUpdate', run: customerUpdate(() => ({ isActive: false })) },
      {
        name: 'deactivateUser (Admin UI action)',
        run: user => asStaff(DEACTIVATE_USER, { id: user.id }, 'deactivateUser'),
      },
    ],
    expected: {
      events: [{ type: 'ACCOUNT_DEACTIVATED', parameters: {} }],
      webhooks: ['CUSTOMER_UPDATED'],
      signedOut: true,
      linksLeft: 0,
    },
  },
  {
    change: 'reactivate a customer',
    make: inactiveCustomer,
    paths: [
      { name: 'updateUser', run: generatedUpdate(() => ({ isActive: true })) },
      { name: 'customerUpdate', run: customerUpdate(() => ({ isActive: true })) },
      { name: 'activateUser (Admin UI action)', run: user => asStaff(ACTIVATE_USER, { id: user.id }, 'activateUser') },
    ],
    expected: {
      events: [{ type: 'ACCOUNT_ACTIVATED', parameters: {} }],
      webhooks: ['CUSTOMER_UPDATED'],
      signedOut: false,
      linksLeft: 1,
    },
  },
  {
    change: 'deactivate a staff user',
    make: staffUser,
    paths: [
      { name: 'updateUser', run: generatedUpdate(() => ({ isActive: false })) },
      { name: 'staffUpdate', run: staffUpdate(() => ({ isActive: false })), intent: STAFF_UPDATED },
      {
        name: 'deactivateUser (Admin UI action)',
        run: user => asStaff(DEACTIVATE_USER, { id: user.id }, 'deactivateUser'),
        intent: STAFF_UPDATED,
      },
    ],
    expected: {
      events: [{ type: 'ACCOUNT_DEACTIVATED', parameters: {} }],
      webhooks: ['STAFF_UPDATED'],
      signedOut: true,
      linksLeft: 0,
    },
  },
  {
    change: 'reactivate a staff user',
    make: inactiveStaffUser,
    paths: [
      { name: 'updateUser', run: generatedUpdate(() => ({ isActive: true })) },
      { name: 'staffUpdate', run: staffUpdate(() => ({ isActive: true })), intent: STAFF_UPDATED },
      {
        name: 'activateUser (Admin UI action)',
        run: user => asStaff(ACTIVATE_USER, { id: user.id }, 'activateUser'),
        intent: STAFF_UPDATED,
      },
    ],
    expected: {
      events: [{ type: 'ACCOUNT_ACTIVATED', parameters: {} }],
      webhooks: ['STAFF_UPDATED'],
      signedOut: false,
      linksLeft: 1,
    },
  },
  {
    change: "change a customer's email as staff",
    make: customer,
    paths: [
      { name: 'updateUser', run: generatedUpdate((_, email) => ({ email })) },
      { name: 'customerUpdate', run: customerUpdate((_, email) => ({ email })) },
    ],
    expected: {
      events: [{ type: 'EMAIL_ASSIGNED', parameters: { old_email: '<old email>', new_email: '<new email>' } }],
      webhooks: ['CUSTOMER_UPDATED'],
      signedOut: true,
      linksLeft: 0,
    },
  },
  {
    change: "change a staff user's email",
    make: staffUser,
    paths: [
      { name: 'updateUser', run: generatedUpdate((_, email) => ({ email })) },
      { name: 'staffUpdate', run: staffUpdate((_, email) => ({ email })), intent: STAFF_UPDATED },
    ],
    expected: {
      events: [{ type: 'EMAIL_ASSIGNED', parameters: { old_email: '<old email>', new_email: '<new email>' } }],
      webhooks: ['STAFF_UPDATED'],
      signedOut: true,
      linksLeft: 0,
    },
  },
  {
    change: 'promote a customer to staff, into a group',
    make: customer,
    paths: [
      {
        name: 'updateUser',
        run: generatedUpdate(() => ({ isStaff: true, permissionGroups: { connect: [{ id: groupId }] } })),
      },
      {
        name: 'staffCreate (on the customer’s email)',
        run: user => asStaff(STAFF_CREATE, { input: { email: user.email, addGroups: [groupId] } }, 'staffCreate'),
      },
    ],
    expected: {
      events: [{ type: 'STAFF_PROMOTED', parameters: { groups: ['<group>'], confirmed: true } }],
      webhooks: ['STAFF_CREATED'],
      signedOut: true,
      linksLeft: 0,
    },
  },
  {
    change: "a customer's new password",
    make: customer,
    paths: [
      { name: 'updateUser (staff sets it)', run: generatedUpdate(() => ({ password: NEW_PASSWORD })) },
      {
        name: 'passwordChange',
        run: user => asSelf(user, PASSWORD_CHANGE, { old: PASSWORD, new: NEW_PASSWORD }, 'passwordChange'),
      },
      {
        name: 'updateActiveUserPassword',
        run: user =>
          asSelf(user, UPDATE_ACTIVE_USER_PASSWORD, { old: PASSWORD, new: NEW_PASSWORD }, 'updateActiveUserPassword'),
      },
    ],
    // the password is in no payload: listeners hear nothing of it (Saleor's passwordChange sends none)
    expected: { events: [{ type: 'PASSWORD_CHANGED', parameters: {} }], webhooks: [], signedOut: true, linksLeft: 0 },
  },
  {
    change: "a customer's default shipping address set",
    make: customerWithAddress,
    paths: [
      {
        name: 'updateUser',
        run: async user =>
          asStaff(
            UPDATE_USER,
            { id: user.id, data: { defaultShippingAddress: { connect: { id: await addressOf(user) } } } },
            'updateUser',
          ),
      },
      {
        name: 'accountSetDefaultAddress',
        run: async user =>
          asSelf(
            user,
            ACCOUNT_SET_DEFAULT,
            { id: await addressOf(user), type: 'SHIPPING' },
            'accountSetDefaultAddress',
          ),
      },
      {
        name: 'addressSetDefault',
        run: async user =>
          asStaff(
            ADDRESS_SET_DEFAULT,
            { userId: user.id, addressId: await addressOf(user), type: 'SHIPPING' },
            'addressSetDefault',
          ),
      },
      {
        name: 'accountAddressCreate (as default)',
        run: user => asSelf(user, ACCOUNT_ADDRESS_CREATE, { input: ADDRESS, type: 'SHIPPING' }, 'accountAddressCreate'),
      },
    ],
    expected: { events: [], webhooks: ['CUSTOMER_UPDATED'], signedOut: false, linksLeft: 1 },
  },
  {
    change: "a customer's default address deleted",
    make: customerWithDefaultAddress,
    paths: [
      {
        name: 'deleteAddress (generated)',
        run: async user => asStaff(DELETE_ADDRESS, { id: await addressOf(user) }, 'deleteAddress'),
      },
      {
        name: 'accountAddressDelete',
        run: async user => asSelf(user, ACCOUNT_ADDRESS_DELETE, { id: await addressOf(user) }, 'accountAddressDelete'),
      },
      {
        name: 'deleteActiveUserAddress',
        run: async user =>
          asSelf(user, DELETE_ACTIVE_USER_ADDRESS, { id: await addressOf(user) }, 'deleteActiveUserAddress'),
      },
      {
        name: 'addressDelete',
        run: async user => asStaff(ADDRESS_DELETE, { id: await addressOf(user) }, 'addressDelete'),
      },
    ],
    expected: { events: [], webhooks: ['CUSTOMER_UPDATED'], signedOut: false, linksLeft: 1 },
  },
]

type CreateRow = { change: string; paths: CreatePath[]; expected: Omit<Effects, 'signedOut' | 'linksLeft'> }

const CREATIONS: CreateRow[] = [
  {
    change: 'create a customer',
    paths: [
      {
        name: 'createUser (as the Admin UI sends it)',
        run: async email =>
          (
            (await asStaff(
              CREATE_USER,
              { data: { email, firstName: 'Ada', lastName: 'Lovelace' } },
              'createUser',
            )) as any
          ).id,
      },
      {
        name: 'customerCreate',
        run: async email =>
          (
            (await asStaff(
              CUSTOMER_CREATE,
              { input: { email, firstName: 'Ada', lastName: 'Lovelace' } },
              'customerCreate',
            )) as any
          ).user.id,
      },
    ],
    expected: { events: [{ type: 'ACCOUNT_CREATED_FROM_STAFF', parameters: {} }], webhooks: ['CUSTOMER_CREATED'] },
  },
  {
    change: 'create a staff user in a group',
    paths: [
      {
        name: 'createUser (as the Admin UI sends it)',
        run: async email =>
          (
            (await asStaff(
              CREATE_USER,
              { data: { email, firstName: 'Ada', isStaff: true, permissionGroups: { connect: [{ id: groupId }] } } },
              'createUser',
            )) as any
          ).id,
      },
      {
        name: 'staffCreate',
        run: async email =>
          (
            (await asStaff(
              STAFF_CREATE,
              { input: { email, firstName: 'Ada', addGroups: [groupId] } },
              'staffCreate',
            )) as any
          ).user.id,
      },
    ],
    expected: {
      events: [{ type: 'ACCOUNT_CREATED_FROM_STAFF', parameters: { groups: ['<group>'] } }],
      webhooks: ['STAFF_CREATED'],
    },
  },
]

describe('every path that makes a change has the same effects', () => {
  for (const row of CREATIONS) {
    test(`${row.change}: ${row.paths.map(p => p.name).join(', ')}`, async () => {
      const seen: Record<string, unknown> = {}
      for (const [index, path] of row.paths.entries()) {
        // given a new address; when this path creates the user
        const effects = await effectsOfCreation(path, `created-${index}-${Date.now()}@example.com`)
        seen[path.name] = { events: effects.events, webhooks: effects.webhooks }
      }
      // then: every path alike, and as the change says
      assert.deepEqual(seen, Object.fromEntries(row.paths.map(p => [p.name, row.expected])))
    })
  }

  for (const row of UPDATES) {
    test(`${row.change}: ${row.paths.map(p => p.name).join(', ')}`, async () => {
      const seen: Record<string, Effects> = {}
      for (const path of row.paths) {
        // given a fresh user with a pending link; when this path makes the change
        seen[path.name] = await effectsOfChange(row.make, path)
      }
      // then: every path alike, and as the change says
      assert.deepEqual(seen, Object.fromEntries(row.paths.map(p => [p.name, row.expected])))
    })
  }
})
