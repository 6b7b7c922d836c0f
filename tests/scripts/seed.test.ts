// scripts/seed.ts, run as `npm run seed` runs it, twice, on a fresh migrated database (SQLite, or
// PostgreSQL with TEST_DATABASE=postgresql): what the first run creates, and that the second
// changes nothing.
import '../helpers/env'
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { Context } from '../../generated/keystone/types'
import { projectRoot } from '../../scripts/lib/migrationFiles'
import {
  DEMO_CUSTOMER_PASSWORD,
  formatDemoCustomerEmail,
  makeDemoCustomer,
  parseDemoCustomerIndex,
} from '../../scripts/lib/seedData'
import { verifyPassword } from '../../services/identity/passwords'
import { PERMISSIONS } from '../../services/identity/permissionCodes'
import { createTestDatabase } from '../helpers/database'

const CUSTOMERS = 200
const ADMIN_EMAIL = 'Seed.Admin@Example.COM'
const ADMIN_PASSWORD = 'seed-admin-password-0451'
// 40 characters, as a deployment would set it
const SESSION_SECRET = 'seed-test-session-secret-0123456789abcde'
const TABLES = [
  'User',
  'Address',
  'Channel',
  'PermissionGroup',
  'CustomerGroup',
  'AccountEvent',
  '_CustomerGroup_users',
  '_PermissionGroup_users',
  '_Channel_permissionGroups',
]

type SeedRun = { code: number | null; stdout: string; stderr: string }

function runSeed(
  databaseUrl: string,
  customers: number,
  overrides: Record<string, string | undefined> = {},
): Promise<SeedRun> {
  const childEnv: Record<string, string | undefined> = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    SESSION_SECRET,
    NODE_ENV: 'test',
    ...overrides,
  }
  for (const key of Object.keys(childEnv)) if (childEnv[key] === undefined) delete childEnv[key]
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'scripts/seed.ts', '--', '--customers', String(customers)],
      {
        cwd: projectRoot,
        env: childEnv,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', chunk => {
      stdout += chunk
    })
    child.stderr.on('data', chunk => {
      stderr += chunk
    })
    child.once('error', reject)
    child.once('close', code => resolve({ code, stdout, stderr }))
  })
}

function assertSucceeded(run: SeedRun) {
  assert.equal(run.code, 0, `seed exited with ${run.code}\n${run.stdout}\n${run.stderr}`)
}

let dir: string
let drop: (() => Promise<void>) | undefined
let databaseUrl: string
let context: Context
let firstRun: SeedRun
let secondRun: SeedRun
let afterFirstRun: Record<string, unknown[]>
let afterSecondRun: Record<string, unknown[]>

// every row of every table, in a stable order
async function snapshot(): Promise<Record<string, unknown[]>> {
  const tables: Record<string, unknown[]> = {}
  for (const table of TABLES)
    tables[table] = await context.prisma.$queryRawUnsafe(`SELECT * FROM "${table}" ORDER BY 1, 2`)
  return tables
}

async function customers() {
  return context.prisma.user.findMany({
    where: { isStaff: false },
    include: { addresses: true, defaultShippingAddress: true, defaultBillingAddress: true, customerGroups: true },
  })
}

test('a demo customer depends on its index alone, so a re-run regenerates exactly the missing ones', () => {
  // given one moment
  const now = new Date('2026-01-01T00:00:00Z')

  // when the same and neighbouring indexes are generated
  const again = makeDemoCustomer(17, now)

  // then the same index gives the same person and its email names it back
  assert.deepEqual(again, makeDemoCustomer(17, now))
  assert.notDeepEqual(makeDemoCustomer(18, now).addresses, again.addresses)
  assert.equal(again.email, formatDemoCustomerEmail(17))
  assert.equal(parseDemoCustomerIndex(again.email), 17)
  assert.equal(parseDemoCustomerIndex('customer017@example.com'), undefined)
  assert.equal(parseDemoCustomerIndex('someone@example.com'), undefined)
})

describe('npm run seed', () => {
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'seed-test-'))
    ;({ databaseUrl, drop } = await createTestDatabase())
    // the provider is read from DATABASE_URL when keystone.ts is first imported
    process.env.DATABASE_URL = databaseUrl
    const { createContext } = await import('../../scripts/lib/context')
    context = await createContext(databaseUrl)

    firstRun = await runSeed(databaseUrl, CUSTOMERS)
    afterFirstRun = await snapshot()
    secondRun = await runSeed(databaseUrl, CUSTOMERS)
    afterSecondRun = await snapshot()
  })

  after(async () => {
    await context?.prisma.$disconnect()
    await drop?.()
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  test('a second run with the same --customers succeeds and changes nothing at all', () => {
    // given a migrated database seeded once
    assertSucceeded(firstRun)
    assert.match(firstRun.stdout, new RegExp(`customers: ${CUSTOMERS} created`))

    // when the seed runs again (in before)
    assertSucceeded(secondRun)

    // then every row of every table is as the first run left it, and the summary says so
    assert.equal(afterFirstRun.User!.length, CUSTOMERS + 1)
    assert.deepEqual(afterSecondRun, afterFirstRun)
    assert.match(secondRun.stdout, /customers: 0 created .*, 200 existing/)
    assert.match(secondRun.stdout, /superuser seed\.admin@example\.com: existing, left unchanged/)
  })

  test('the first run prints counts, seconds and customers per second', () => {
    // given / when the first run's output
    const { stdout } = firstRun

    // then the summary names what was created and how fast, and never echoes ADMIN_PASSWORD
    assert.match(
      stdout,
      /customers: 200 created with \d+ addresses and \d+ group memberships, 0 existing, in \d+\.\d+ s \(\d+ customers\/s\)/,
    )
    assert.match(stdout, /Done in \d+\.\d+ s\./)
    assert.ok(stdout.includes(DEMO_CUSTOMER_PASSWORD))
    assert.ok(!stdout.includes(ADMIN_PASSWORD))
  })

  test('the seed creates the default channel and two permission groups: Full access with every permission, Customer support with MANAGE_USERS only', async () => {
    // given the seeded database
    const sudo = context.sudo()

    // when the channel and the permission groups are read
    const channel = await sudo.db.Channel.findOne({ where: { slug: 'default-channel' } })
    const fullAccess = await sudo.db.PermissionGroup.findOne({ where: { name: 'Full access' } })
    const support = await sudo.db.PermissionGroup.findOne({ where: { name: 'Customer support' } })

    // then they are as the seed defines them
    assert.ok(channel)
    assert.equal(channel.name, 'Default channel')
    assert.equal(channel.defaultCountry, 'US')
    assert.equal(channel.isActive, true)
    assert.ok(fullAccess)
    assert.deepEqual(fullAccess.permissions, [...PERMISSIONS])
    assert.equal(fullAccess.restrictedAccessToChannels, false)
    assert.ok(support)
    assert.deepEqual(support.permissions, ['MANAGE_USERS'])
  })

  test('the superuser from ADMIN_EMAIL is active, confirmed staff and superuser in Full access, and ADMIN_PASSWORD verifies', async () => {
    // given the seeded database
    const email = ADMIN_EMAIL.toLowerCase()

    // when the superuser is read
    const admin = await context.prisma.user.findUnique({ where: { email }, include: { permissionGroups: true } })

    // then it is stored under the lower-case email, with every flag set and the password from the environment
    assert.ok(admin, `no user ${email}`)
    assert.equal(admin.isStaff, true)
    assert.equal(admin.isSuperuser, true)
    assert.equal(admin.isActive, true)
    assert.equal(admin.isConfirmed, true)
    assert.deepEqual(
      admin.permissionGroups.map(group => group.name),
      ['Full access'],
    )
    assert.ok(admin.jwtTokenKey)
    assert.equal(await verifyPassword(ADMIN_PASSWORD, admin.password!), true)
    // the operator chose this address: the one mailbox proven without a link
    assert.equal(admin.emailVerifiedBy, 'OPERATOR_SEED')
    assert.ok(admin.emailVerifiedAt)
  })

  test('every demo customer has at least one address and default shipping and billing addresses of its own', async () => {
    // given the seeded database
    // when the customers are read with their addresses
    const all = await customers()

    // then each owns its defaults
    assert.equal(all.length, CUSTOMERS)
    for (const customer of all) {
      assert.ok(
        customer.addresses.length >= 1 && customer.addresses.length <= 2,
        `${customer.email} has ${customer.addresses.length} addresses`,
      )
      assert.equal(customer.defaultShippingAddress?.userId, customer.id, `${customer.email}'s default shipping address`)
      assert.equal(customer.defaultBillingAddress?.userId, customer.id, `${customer.email}'s default billing address`)
    }
    assert.ok(
      all.some(customer => customer.addresses.length === 2),
      'some customers have a second address',
    )
    assert.ok(
      all.some(customer => customer.customerGroups.length > 0),
      'some customers are in customer groups',
    )
  })

  test('emails are lower-case and unique, and every user has a token key and empty metadata', async () => {
    // given the seeded database
    // when every user is read
    const users = await context.prisma.user.findMany()

    // then the fields Keystone's hooks and defaults would set are set
    const emails = users.map(user => user.email)
    for (const email of emails) assert.equal(email, email.toLowerCase())
    assert.equal(new Set(emails).size, emails.length)
    assert.equal(new Set(users.map(user => user.jwtTokenKey)).size, users.length)
    for (const user of users) {
      assert.ok(user.jwtTokenKey && user.jwtTokenKey.length >= 32, `${user.email} has no token key`)
      assert.deepEqual(user.metadata, {})
      assert.deepEqual(user.privateMetadata, {})
    }
    for (let index = 1; index <= CUSTOMERS; index++)
      assert.ok(emails.includes(`customer${index}@example.com`), `customer${index} is missing`)
  })

  test('demo customers are confirmed, joined within two years, and sign in with the shared demo password', async () => {
    // given the seeded database
    const twoYearsAgo = Date.now() - 731 * 24 * 60 * 60 * 1000

    // when the customers are read
    const all = await customers()

    // then they look like real, confirmed accounts sharing one password hash
    for (const customer of all) {
      assert.equal(customer.isConfirmed, true)
      // confirmed by the seed, not by a redeemed link: no proof of the mailbox
      assert.equal(customer.emailVerifiedBy, null)
      assert.equal(customer.isActive, true)
      assert.ok(customer.firstName && customer.lastName, `${customer.email} has no name`)
      assert.ok(
        customer.dateJoined &&
          customer.dateJoined.getTime() >= twoYearsAgo &&
          customer.dateJoined.getTime() <= Date.now(),
      )
    }
    assert.equal(new Set(all.map(customer => customer.password)).size, 1)
    assert.equal(await verifyPassword(DEMO_CUSTOMER_PASSWORD, all[0]!.password!), true)
  })

  test("demo addresses are in the six countries, with postal codes in each country's format and E.164 phones", async () => {
    // given the formats of each country
    const postalCodes: Record<string, RegExp> = {
      US: /^\d{5}$/,
      CA: /^[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z] \d[ABCEGHJ-NPRSTV-Z]\d$/,
      GB: /^[A-Z]{1,2}\d[A-Z\d]? \d[A-Z]{2}$/,
      DE: /^\d{5}$/,
      FR: /^\d{5}$/,
      PL: /^\d{2}-\d{3}$/,
    }

    // when every address is read
    const addresses = await context.prisma.address.findMany()

    // then each matches its country's format
    for (const address of addresses) {
      const format = postalCodes[address.country]
      assert.ok(format, `unexpected country ${address.country}`)
      assert.match(address.postalCode, format)
      assert.match(address.phone, /^\+[1-9]\d{7,14}$/)
      assert.ok(address.streetAddress1 && address.city)
      if (address.country === 'US' || address.country === 'CA') assert.match(address.countryArea, /^[A-Z]{2}$/)
    }
    assert.ok(new Set(addresses.map(address => address.country)).size >= 4, 'addresses span several countries')
  })

  test('a larger --customers adds only the missing customers and leaves the others untouched', async () => {
    // given the database seeded with 200 customers
    const before = afterSecondRun.User as { id: string; email: string; jwtTokenKey: string }[]

    // when the seed runs with 250
    const run = await runSeed(databaseUrl, CUSTOMERS + 50)

    // then exactly 50 customers were added and every earlier user row is unchanged
    assertSucceeded(run)
    assert.match(run.stdout, /customers: 50 created .*, 200 existing/)
    const now = await snapshot()
    assert.equal(now.User!.length, before.length + 50)
    const rows = new Map((now.User as { id: string }[]).map(row => [row.id, row]))
    for (const row of before) assert.deepEqual(rows.get(row.id), row)
    assert.equal((await customers()).filter(customer => customer.addresses.length === 0).length, 0)
  })

  test('in production a superuser is created only with ADMIN_PASSWORD: a generated password would be a log line', async () => {
    // given a production seed with no ADMIN_PASSWORD, for a superuser that does not exist yet
    const production = { NODE_ENV: 'production', ADMIN_PASSWORD: undefined, PUBLIC_URL: 'https://shop.example.com' }
    const newAdmin = 'second.admin@example.com'

    // when it runs
    const refused = await runSeed(databaseUrl, 0, { ...production, ADMIN_EMAIL: newAdmin })

    // then it refuses in one line naming the setting, and writes nobody
    assert.notEqual(refused.code, 0, refused.stdout)
    assert.match(refused.stderr + refused.stdout, /set ADMIN_PASSWORD/)
    assert.doesNotMatch(refused.stdout + refused.stderr, /shown this once/)
    assert.equal(await context.prisma.user.count({ where: { email: newAdmin } }), 0)

    // and a production seed of an existing superuser needs no password: it leaves it unchanged
    const existing = await runSeed(databaseUrl, 0, production)
    assertSucceeded(existing)
    assert.match(existing.stdout, /existing, left unchanged/)
  })

  test('on a database without tables the seed exits non-zero and says to migrate first', async () => {
    // given an empty SQLite file
    const emptyUrl = `file:${path.join(dir, 'empty.db')}`

    // when the seed runs on it
    const run = await runSeed(emptyUrl, 1)

    // then it fails with a clear message
    assert.notEqual(run.code, 0)
    assert.match(run.stderr, /Seed failed: .*does not exist/)
    assert.match(run.stderr, /npm run migrate/)
  })
})
