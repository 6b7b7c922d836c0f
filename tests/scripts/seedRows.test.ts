// The seed's bulk rows are the rows the list API writes: a demo customer seeded in bulk equals,
// field by field, the same customer created through context.db (ids, password hashes, token keys
// and updatedAt aside), and every demo address is one address validation keeps unchanged.
import '../helpers/env'
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import type { Context } from '../../generated/keystone/types'
import { DEMO_CUSTOMER_PASSWORD, makeDemoCustomer, type DemoCustomer } from '../../scripts/lib/seedData'
import { validateAddress } from '../../services/addresses'
import { verifyPassword } from '../../services/identity'
import { createTestDatabase } from '../helpers/database'
import { providerOf } from '../../database'
import { trusted } from '../../services/kernel'

const CUSTOMERS = 60
const NOW = new Date('2026-03-01T12:00:00.000Z')
// what differs between two writes of the same input by design
const UNCOMPARED = ['id', 'password', 'jwtTokenKey', 'updatedAt', 'defaultShippingAddressId', 'defaultBillingAddressId']

let context: Context
let drop: (() => Promise<void>) | undefined

before(async () => {
  const created = await createTestDatabase()
  drop = created.drop
  // the provider is read from DATABASE_URL when keystone.ts is first imported
  process.env.DATABASE_URL = created.databaseUrl
  const { createContext } = await import('../../scripts/lib/context')
  context = await createContext(created.databaseUrl)
})

after(async () => {
  await context?.prisma.$disconnect()
  await drop?.()
})

function without<T extends Record<string, unknown>>(row: T, keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(row).filter(([key]) => !keys.includes(key)))
}

async function storedCustomer(email: string) {
  const user = await context.prisma.user.findUnique({
    where: { email },
    include: {
      addresses: { orderBy: { streetAddress1: 'asc' } },
      defaultShippingAddress: true,
      defaultBillingAddress: true,
      customerGroups: true,
    },
  })
  assert.ok(user, `no user ${email}`)
  const address = (a: Record<string, unknown> | null) => a && without(a, ['id', 'userId'])
  return {
    row: without(user, [
      ...UNCOMPARED,
      'addresses',
      'defaultShippingAddress',
      'defaultBillingAddress',
      'customerGroups',
    ]),
    password: user.password,
    addresses: user.addresses.map(address),
    defaultShippingAddress: address(user.defaultShippingAddress),
    defaultBillingAddress: address(user.defaultBillingAddress),
    customerGroups: user.customerGroups.map(group => group.name).sort(),
  }
}

// the same customer as an API client would create it: the user, then its addresses, then its defaults and groups
async function createThroughLists(customer: DemoCustomer): Promise<void> {
  // the trusted path, as the seed writes: the scope rules judge a plain sudo write
  const sudo = trusted(context, null)
  const { email, firstName, lastName, name, languageCode, phone, dateJoined, lastLogin } = customer
  const user = await sudo.db.User.createOne({
    data: {
      email,
      firstName,
      lastName,
      name,
      languageCode,
      phone,
      dateJoined,
      lastLogin,
      password: DEMO_CUSTOMER_PASSWORD,
      isConfirmed: true,
    },
  })
  const addressIds: string[] = []
  for (const address of customer.addresses) {
    const created = await sudo.db.Address.createOne({
      data: { ...address, user: { connect: { id: String(user.id) } } },
    })
    addressIds.push(String(created.id))
  }
  const groups = await sudo.db.CustomerGroup.findMany({ where: { name: { in: customer.groups } } })
  await sudo.db.User.updateOne({
    where: { id: String(user.id) },
    data: {
      defaultShippingAddress: { connect: { id: addressIds[customer.defaultShipping]! } },
      defaultBillingAddress: { connect: { id: addressIds[customer.defaultBilling]! } },
      customerGroups: { connect: groups.map(group => ({ id: String(group.id) })) },
    },
  })
}

test('a seeded customer is stored field by field as the list API stores the same customer', async () => {
  // given a database seeded in bulk, and a demo customer with two addresses, a billing default of
  // its own, customer groups and a last sign-in
  const { seed } = await import('../../scripts/seed')
  await seed({
    context,
    provider: providerOf(process.env.DATABASE_URL!),
    customers: CUSTOMERS,
    adminPassword: 'seed-rows-admin-password',
    now: NOW,
  })
  const index = Array.from({ length: CUSTOMERS }, (_, i) => i + 1).find(i => {
    const c = makeDemoCustomer(i, NOW)
    return (
      c.addresses.length === 2 &&
      c.defaultBilling === 1 &&
      c.groups.length > 0 &&
      c.lastLogin !== null &&
      c.phone !== ''
    )
  })
  assert.ok(
    index,
    `no demo customer among the first ${CUSTOMERS} has two addresses, groups, a phone and a last sign-in`,
  )
  const customer = makeDemoCustomer(index, NOW)
  const seeded = await storedCustomer(customer.email)

  // when the seeded row is removed and the same customer is created through the lists
  await context.prisma.user.update({
    where: { email: customer.email },
    data: { defaultShippingAddress: { disconnect: true }, defaultBillingAddress: { disconnect: true } },
  })
  await context.prisma.address.deleteMany({ where: { user: { email: customer.email } } })
  await context.prisma.user.delete({ where: { email: customer.email } })
  await createThroughLists(customer)
  const listed = await storedCustomer(customer.email)

  // then every stored field is the same: the user's own columns (email, names, flags, dates,
  // note, metadata, onboarding, search document…), its addresses, its defaults and its groups
  assert.deepEqual(listed.row, seeded.row)
  assert.deepEqual(listed.addresses, seeded.addresses)
  assert.deepEqual(listed.defaultShippingAddress, seeded.defaultShippingAddress)
  assert.deepEqual(listed.defaultBillingAddress, seeded.defaultBillingAddress)
  assert.deepEqual(listed.customerGroups, seeded.customerGroups)
  // and both passwords are the demo password, hashed
  assert.equal(await verifyPassword(DEMO_CUSTOMER_PASSWORD, seeded.password!), true)
  assert.equal(await verifyPassword(DEMO_CUSTOMER_PASSWORD, listed.password!), true)
})

test('every demo address passes address validation unchanged', async () => {
  // given the addresses of the first 1,000 demo customers (all six countries, both kinds of second address)
  const addresses = Array.from({ length: 1000 }, (_, i) => makeDemoCustomer(i + 1, NOW).addresses).flat()

  // when each is validated as the API validates it
  // then validation neither refuses nor changes any of them (cities upper-case, E.164 phones)
  for (const address of addresses) assert.deepEqual(await validateAddress(address), address, JSON.stringify(address))
  assert.equal(new Set(addresses.map(address => address.country)).size, 6)
})
