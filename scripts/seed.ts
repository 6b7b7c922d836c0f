// Seeds the database: the default channel, the permission and customer groups, a superuser from
// ADMIN_EMAIL / ADMIN_PASSWORD and N demo customers (`npm run seed -- --customers N`, default 50).
//
// Idempotent: what exists is left exactly as it is, so a second run changes nothing and a larger N
// adds only the missing customers. The few small items go through Keystone (hooks and validation
// run); the customers are written in bulk, one transaction per chunk, with raw SQL whose user rows
// come from the users module's newUserRow, the rule the User list applies to a new user (token key,
// lower-case email, every field default), and searchDocumentOf, the text the users module's keeper
// writes on every Prisma write (raw SQL skips it): this file holds no field rule of its own.
import path from 'node:path'
import { randomBytes, randomInt } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import config from '../keystone'
import { env } from '../env'
import type { Context } from '../generated/keystone/types'
import { isValidEmail, normalizeEmail, trusted } from '../services/kernel'
import { PERMISSIONS, hashPassword } from '../services/identity'
import { ADDRESS_FIELDS } from '../services/addresses'
import { createContext } from './lib/context'
import { newUserRow, operatorSeedProof, searchDocumentOf, type NewUserRow } from '../services/users'
import {
  DEMO_CUSTOMER_GROUPS,
  DEMO_CUSTOMER_PASSWORD,
  makeDemoCustomer,
  parseDemoCustomerIndex,
  type DemoCustomer,
} from './lib/seedData'

export type Provider = 'sqlite' | 'postgresql'

export const DEFAULT_CUSTOMERS = 50
export const DEFAULT_ADMIN_EMAIL = 'admin@example.com'
export const DEFAULT_CHANNEL = {
  slug: 'default-channel',
  name: 'Default channel',
  defaultCountry: 'US',
  isActive: true,
} as const
export const PERMISSION_GROUPS = [
  { name: 'Full access', permissions: [...PERMISSIONS], restrictedAccessToChannels: false },
  { name: 'Customer support', permissions: ['MANAGE_USERS' as const], restrictedAccessToChannels: false },
]
const FULL_ACCESS = 'Full access'

// customers written per transaction: big enough to amortise a transaction, small enough that a
// failure loses little and the JSON parameter stays a few MB
const CHUNK = 2_000
// PostgreSQL's GIN pending list while seeding (the default is 4 MB), and the memory to merge it
const PENDING_LIST_KB = 2_097_151
const MERGE_MEMORY_MB = 512

export class SeedError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'SeedError'
  }
}

export type SeedOptions = {
  context: Context
  provider: Provider
  customers: number
  adminEmail?: string
  /** when absent, a new superuser gets a generated password, reported once in the summary */
  adminPassword?: string
  log?: (line: string) => void
  now?: Date
}

export type SeedSummary = {
  channel: 'created' | 'existing'
  permissionGroups: { created: number; existing: number }
  superuser: { email: string; created: boolean; generatedPassword?: string }
  customerGroups: { created: number; existing: number }
  customers: {
    requested: number
    created: number
    existing: number
    addresses: number
    memberships: number
    seconds: number
  }
  seconds: number
}

export async function seed(options: SeedOptions): Promise<SeedSummary> {
  const { context, provider, customers, log = () => {} } = options
  if (!Number.isInteger(customers) || customers < 0)
    throw new SeedError(`the number of customers must be a whole number ≥ 0, got ${customers}`)
  // bad settings fail before anything is written
  const adminEmail = normalizeEmail(options.adminEmail ?? DEFAULT_ADMIN_EMAIL)
  if (!isValidEmail(adminEmail))
    throw new SeedError(`ADMIN_EMAIL is not a valid email address: "${options.adminEmail}"`)
  if (options.adminPassword !== undefined && options.adminPassword.length < 8)
    throw new SeedError('ADMIN_PASSWORD must be at least 8 characters long')
  const started = performance.now()
  // the trusted path: a plain sudo write of a group or a superuser is judged by the scope rules
  const sudo = trusted(context, null)

  const channel = await sudo.db.Channel.findOne({ where: { slug: DEFAULT_CHANNEL.slug } })
  if (!channel) await sudo.db.Channel.createOne({ data: { ...DEFAULT_CHANNEL } })

  const permissionGroupIds = new Map<string, string>()
  const permissionGroups = { created: 0, existing: 0 }
  for (const group of PERMISSION_GROUPS) {
    const found = await sudo.db.PermissionGroup.findOne({ where: { name: group.name } })
    if (found) {
      permissionGroups.existing++
      permissionGroupIds.set(group.name, String(found.id))
    } else {
      const created = await sudo.db.PermissionGroup.createOne({
        data: { ...group, permissions: [...group.permissions] },
      })
      permissionGroups.created++
      permissionGroupIds.set(group.name, String(created.id))
    }
  }

  const superuser = await ensureSuperuser(
    context,
    adminEmail,
    options.adminPassword,
    permissionGroupIds.get(FULL_ACCESS)!,
  )

  const customerGroupIds = new Map<string, string>()
  const customerGroups = { created: 0, existing: 0 }
  for (const group of DEMO_CUSTOMER_GROUPS) {
    const found = await sudo.db.CustomerGroup.findOne({ where: { name: group.name } })
    if (found) {
      customerGroups.existing++
      customerGroupIds.set(group.name, String(found.id))
    } else {
      const created = await sudo.db.CustomerGroup.createOne({ data: { ...group } })
      customerGroups.created++
      customerGroupIds.set(group.name, String(created.id))
    }
  }

  const customerStats = await seedCustomers({
    context,
    provider,
    customers,
    customerGroupIds,
    log,
    now: options.now ?? new Date(),
  })

  return {
    channel: channel ? 'existing' : 'created',
    permissionGroups,
    superuser,
    customerGroups,
    customers: customerStats,
    seconds: (performance.now() - started) / 1000,
  }
}

async function ensureSuperuser(
  context: Context,
  email: string,
  adminPassword: string | undefined,
  fullAccessId: string,
): Promise<SeedSummary['superuser']> {
  const sudo = trusted(context, null)
  const existing = await sudo.db.User.findOne({ where: { email } })
  if (existing) {
    // WARNING: never promote an account someone else may have registered (and set the password of)
    if (!existing.isSuperuser || !existing.isStaff) {
      throw new SeedError(
        `${email} already belongs to an account that is not a staff superuser, and the seed never promotes ` +
          'an existing account: promote it by hand, or set ADMIN_EMAIL to another address',
      )
    }
    // an existing superuser is left exactly as it is, password included
    return { email, created: false }
  }
  // 144 random bits, URL-safe so it survives copy and paste
  const generatedPassword = adminPassword === undefined ? randomBytes(18).toString('base64url') : undefined
  const superuser = await sudo.db.User.createOne({
    data: {
      email,
      password: adminPassword ?? generatedPassword,
      firstName: 'Admin',
      name: 'Admin',
      isStaff: true,
      isSuperuser: true,
      isActive: true,
      isConfirmed: true,
      permissionGroups: { connect: [{ id: fullAccessId }] },
    },
  })
  // the operator chose ADMIN_EMAIL: the one mailbox proven without a link (no write through the list sets a proof)
  await context.prisma.user.update({ where: { id: String(superuser.id) }, data: operatorSeedProof() })
  return { email, created: true, generatedPassword }
}

type Value = string | number | boolean | null | object
type Row = Record<string, Value>

// every column newUserRow fills, plus the id, the search document and the two default addresses the seed links
const USER_COLUMNS = [
  'id',
  ...Object.keys(newUserRow({ email: 'columns@example.com' })),
  'searchDocument',
  'defaultShippingAddress',
  'defaultBillingAddress',
]
// the address book's own writable fields, between the row's id and owner and its metadata
const ADDRESS_COLUMNS = ['id', 'user', ...ADDRESS_FIELDS, 'metadata']
// the implicit many-to-many table of CustomerGroup.users: A is the CustomerGroup, B the User (Prisma orders them by model name)
const CUSTOMER_GROUP_MEMBERS = '_CustomerGroup_users'
const JSON_COLUMNS = new Set(['note', 'metadata', 'privateMetadata'])

type Tx = Pick<Context['prisma'], '$executeRawUnsafe'>

// One statement per table and chunk, its rows passed as a single JSON parameter: no limit on bound
// parameters to work around, and far less per-row work for Prisma than thousands of parameters.
function buildInsertSql(provider: Provider, table: string, columns: readonly string[]): string {
  const names = columns.map(column => `"${column}"`).join(', ')
  if (provider === 'postgresql') {
    return `INSERT INTO "${table}" (${names}) SELECT ${names} FROM json_populate_recordset(NULL::"${table}", $1::json)`
  }
  // ->> gives SQL values (JSON true becomes 1); -> keeps JSON columns as the JSON text Prisma stores.
  // jsonb_each (SQLite 3.45+, bundled by better-sqlite3) parses the parameter once, where json_each
  // would re-parse each row's object for every column: twice as fast
  const values = columns.map(column => `value ${JSON_COLUMNS.has(column) ? '->' : '->>'} '$.${column}'`).join(', ')
  return `INSERT INTO "${table}" (${names}) SELECT ${values} FROM jsonb_each(?)`
}

// A user names its default addresses and an address its user, so the two go in together: on
// PostgreSQL as one statement (its foreign keys are checked when the statement ends), on SQLite
// with the checks deferred to the commit. Setting the defaults by a later UPDATE would write every
// user row twice, and re-index its search document.
function buildUsersAndAddressesSql(provider: Provider): string[] {
  if (provider === 'postgresql') {
    const users = buildInsertSql(provider, 'User', USER_COLUMNS)
    const addresses = buildInsertSql(provider, 'Address', ADDRESS_COLUMNS).replace('$1::json', '$2::json')
    return [`WITH users AS (${users} RETURNING 1) ${addresses}`]
  }
  return [
    'PRAGMA defer_foreign_keys = ON',
    buildInsertSql(provider, 'User', USER_COLUMNS),
    buildInsertSql(provider, 'Address', ADDRESS_COLUMNS),
  ]
}

// the text Prisma itself stores for a DateTime: its SQLite adapter writes ISO 8601 with +00:00
function formatTimestamp(provider: Provider, date: Date | null): string | null {
  if (date === null) return null
  const iso = date.toISOString()
  return provider === 'sqlite' ? iso.replace('Z', '+00:00') : iso
}

// cuid-shaped ids (like Keystone's own): c, time, counter, fingerprint, randomness, 25 characters.
// Time then counter keeps them rising within a run, which keeps primary-key inserts cheap.
function makeIdGenerator(): () => string {
  const BASE = 36 ** 4
  let counter = randomInt(BASE)
  const fingerprint = randomInt(BASE).toString(36).padStart(4, '0')
  let pool = randomBytes(0)
  let at = 0
  return () => {
    if (at + 8 > pool.length) {
      pool = randomBytes(8 * 4096)
      at = 0
    }
    let random = ''
    for (let i = 0; i < 8; i++) random += (pool[at++]! % 36).toString(36)
    counter = (counter + 1) % BASE
    return `c${Date.now().toString(36).padStart(8, '0')}${counter.toString(36).padStart(4, '0')}${fingerprint}${random}`
  }
}

async function seedCustomers(options: {
  context: Context
  provider: Provider
  customers: number
  customerGroupIds: Map<string, string>
  log: (line: string) => void
  now: Date
}): Promise<SeedSummary['customers']> {
  const { context, provider, customers, customerGroupIds, log, now } = options
  const started = performance.now()
  const stats = { requested: customers, created: 0, existing: 0, addresses: 0, memberships: 0, seconds: 0 }
  if (customers === 0) return stats

  const present = new Set<number>()
  const rows = await context.prisma.user.findMany({
    where: { email: { startsWith: 'customer', endsWith: '@example.com' } },
    select: { email: true },
  })
  for (const { email } of rows) {
    const index = parseDemoCustomerIndex(email)
    if (index !== undefined && index <= customers) present.add(index)
  }
  stats.existing = present.size
  const missing: number[] = []
  for (let index = 1; index <= customers; index++) if (!present.has(index)) missing.push(index)
  if (missing.length === 0) return { ...stats, seconds: (performance.now() - started) / 1000 }

  // one argon2 hash shared by every demo customer: hashing each would take ~20 ms apiece
  const passwordHash = await hashPassword(DEMO_CUSTOMER_PASSWORD)
  const newId = makeIdGenerator()
  const usersAndAddressesSql = buildUsersAndAddressesSql(provider)
  const memberSql = buildInsertSql(provider, CUSTOMER_GROUP_MEMBERS, ['A', 'B'])
  const progressEvery = Math.max(CHUNK, Math.ceil(missing.length / 10 / CHUNK) * CHUNK)

  const writeChunk = async (indexes: number[]): Promise<void> => {
    const users: Row[] = []
    const addresses: Row[] = []
    const members: Row[] = []
    for (const index of indexes) {
      const customer = makeDemoCustomer(index, now)
      const userId = newId()
      const addressIds = customer.addresses.map(() => newId())
      users.push({
        id: userId,
        ...sqlValues(provider, demoUserRow(customer, passwordHash)),
        defaultShippingAddress: addressIds[customer.defaultShipping]!,
        defaultBillingAddress: addressIds[customer.defaultBilling]!,
      })
      customer.addresses.forEach((address, i) =>
        addresses.push({ ...address, id: addressIds[i]!, user: userId, metadata: {} }),
      )
      for (const group of customer.groups) {
        const groupId = customerGroupIds.get(group)
        if (!groupId) throw new SeedError(`demo customer group ${group} is missing`)
        members.push({ A: groupId, B: userId })
      }
    }
    await context.prisma.$transaction(
      async (tx: Tx) => {
        if (provider === 'postgresql') {
          // new users' trigrams are queued in the search index's pending list rather than merged
          // row by row; finishSearchIndex merges them in one sorted pass at the end
          await tx.$executeRawUnsafe(`SET LOCAL gin_pending_list_limit = '${PENDING_LIST_KB}kB'`)
          await tx.$executeRawUnsafe(usersAndAddressesSql[0]!, JSON.stringify(users), JSON.stringify(addresses))
        } else {
          const [deferKeys, userSql, addressSql] = usersAndAddressesSql
          await tx.$executeRawUnsafe(deferKeys!)
          await tx.$executeRawUnsafe(userSql!, JSON.stringify(users))
          await tx.$executeRawUnsafe(addressSql!, JSON.stringify(addresses))
        }
        if (members.length > 0) await tx.$executeRawUnsafe(memberSql, JSON.stringify(members))
      },
      { maxWait: 60_000, timeout: 600_000 },
    )
    stats.created += users.length
    stats.addresses += addresses.length
    stats.memberships += members.length
    if (stats.created % progressEvery === 0 && stats.created < missing.length)
      log(`  … ${stats.created} of ${missing.length} customers`)
  }

  // PostgreSQL writes two chunks at once, each on its own connection: while the server inserts
  // one, this process builds the next (SQLite has one connection, and one writer anyway)
  const inFlight = new Set<Promise<void>>()
  const parallel = provider === 'postgresql' ? 2 : 1
  try {
    for (let start = 0; start < missing.length; start += CHUNK) {
      const chunk = writeChunk(missing.slice(start, start + CHUNK)).finally(() => inFlight.delete(chunk))
      inFlight.add(chunk)
      if (inFlight.size >= parallel) await Promise.race(inFlight)
    }
  } finally {
    // a failed chunk stops the loop; the other one still ends (commits or rolls back) first
    await Promise.allSettled(inFlight)
  }
  if (provider === 'postgresql') await finishSearchIndex(context)
  return { ...stats, seconds: (performance.now() - started) / 1000 }
}

// Merge the search index's pending list (left long by the chunks above; until merged, every search
// reads it through) and refresh the planner's statistics, which tell rare terms from common ones.
async function finishSearchIndex(context: Context): Promise<void> {
  await context.prisma.$transaction(
    async (tx: Tx) => {
      await tx.$executeRawUnsafe(`SET LOCAL maintenance_work_mem = '${MERGE_MEMORY_MB}MB'`)
      await tx.$executeRawUnsafe(
        'SELECT gin_clean_pending_list(i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid ' +
          "JOIN pg_am a ON a.oid = c.relam WHERE i.indrelid = '\"User\"'::regclass AND a.amname = 'gin'",
      )
    },
    { maxWait: 60_000, timeout: 1_800_000 },
  )
  await context.prisma.$executeRawUnsafe('ANALYZE "User", "Address"')
}

// a demo customer as the User list would store it: confirmed, with its addresses in its search document
function demoUserRow(customer: DemoCustomer, passwordHash: string): NewUserRow & { searchDocument: string } {
  const { email, firstName, lastName, name, languageCode, phone, dateJoined, lastLogin } = customer
  const input = {
    email,
    firstName,
    lastName,
    name,
    languageCode,
    phone,
    dateJoined,
    lastLogin,
    password: passwordHash,
    isConfirmed: true,
  }
  const row = newUserRow(input)
  return { ...row, searchDocument: searchDocumentOf(row, customer.addresses) }
}

// a row's values as the JSON parameter carries them: timestamps as the text Prisma stores
function sqlValues(provider: Provider, row: NewUserRow): Row {
  const values: Row = {}
  for (const [column, value] of Object.entries(row))
    values[column] = value instanceof Date ? formatTimestamp(provider, value) : (value as Value)
  return values
}

const USAGE = `Usage: npm run seed -- [--customers N]

Creates the default channel, the permission groups (Full access, Customer support), a superuser
from ADMIN_EMAIL / ADMIN_PASSWORD, the customer groups and N demo customers (default ${DEFAULT_CUSTOMERS}),
customer1@example.com … customerN@example.com. Safe to run again: nothing that exists is changed.
With NODE_ENV=production, demo customers also need --allow-production.`

export type SeedArgs = { customers: number; allowProduction: boolean; help: boolean }

export function parseArgs(argv: readonly string[]): SeedArgs {
  const args: SeedArgs = { customers: DEFAULT_CUSTOMERS, allowProduction: false, help: false }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (arg === '--') continue
    if (arg === '--help' || arg === '-h') {
      args.help = true
    } else if (arg === '--allow-production') {
      args.allowProduction = true
    } else if (arg === '--customers' || arg.startsWith('--customers=')) {
      const value = arg === '--customers' ? argv[++i] : arg.slice('--customers='.length)
      if (value === undefined || !/^\d+$/.test(value))
        throw new SeedError(
          `--customers needs a whole number ≥ 0, got ${value === undefined ? 'nothing' : `"${value}"`}`,
        )
      args.customers = Number(value)
    } else {
      throw new SeedError(`unknown argument "${arg}"\n\n${USAGE}`)
    }
  }
  return args
}

function describeFailure(error: unknown): string {
  if (error instanceof SeedError) return error.message
  // Prisma's messages come with blank lines and indentation: one line each reads better in a terminal
  const message = (error instanceof Error ? error.message : String(error))
    .split('\n')
    .map(line => line.trim())
    .filter(Boolean)
    .join(' ')
  if (/does not exist|no such table|relation .* does not exist/i.test(message)) {
    return `${message}\nThe database has no tables yet: run \`npm run migrate\` first.`
  }
  return message
}

function redactUrl(databaseUrl: string): string {
  return databaseUrl.replace(/\/\/([^:/@]+):[^@/]*@/, '//$1:***@')
}

async function main(): Promise<void> {
  let context: Context | undefined
  try {
    const args = parseArgs(process.argv.slice(2))
    if (args.help) {
      console.log(USAGE)
      return
    }
    if (env.isProduction && args.customers > 0 && !args.allowProduction) {
      throw new SeedError(
        'NODE_ENV is production: refusing to create demo customers without --allow-production ' +
          '(use --customers 0 for only the channel, groups and superuser)',
      )
    }
    const provider = config.db.provider as Provider
    console.log(`Seeding ${redactUrl(env.databaseUrl)} (${provider}) with ${args.customers} demo customers …`)
    context = await createContext()
    await assertSuperuserPasswordKept(context)
    const summary = await seed({
      context,
      provider,
      customers: args.customers,
      adminEmail: env.adminEmail,
      adminPassword: env.adminPassword,
      log: line => console.log(line),
    })
    printSummary(summary)
  } catch (error) {
    console.error(`Seed failed: ${describeFailure(error)}`)
    if (process.env.DEBUG && error instanceof Error) console.error(error.stack)
    process.exitCode = 1
  } finally {
    await context?.prisma.$disconnect().catch(() => undefined)
  }
}

// WARNING: production sends console output to the JSON log (server/logger.ts), where a generated
// password would be kept by every log collector: there, a new superuser's password must be given.
async function assertSuperuserPasswordKept(context: Context): Promise<void> {
  if (!env.isProduction || env.adminPassword !== undefined) return
  const email = normalizeEmail(env.adminEmail ?? DEFAULT_ADMIN_EMAIL)
  if (await context.prisma.user.findUnique({ where: { email }, select: { id: true } })) return
  throw new SeedError(
    `NODE_ENV is production: set ADMIN_PASSWORD to create the superuser ${email} ` +
      '(a generated password would be written to the logs)',
  )
}

function printSummary(summary: SeedSummary): void {
  const { customers } = summary
  const rate =
    customers.created > 0 && customers.seconds > 0
      ? ` (${Math.round(customers.created / customers.seconds)} customers/s)`
      : ''
  const lines = [
    `  channel ${DEFAULT_CHANNEL.slug}: ${summary.channel}`,
    `  permission groups: ${summary.permissionGroups.created} created, ${summary.permissionGroups.existing} existing`,
    `  superuser ${summary.superuser.email}: ${summary.superuser.created ? 'created' : 'existing, left unchanged'}`,
    `  customer groups: ${summary.customerGroups.created} created, ${summary.customerGroups.existing} existing`,
    `  customers: ${customers.created} created with ${customers.addresses} addresses and ${customers.memberships} group memberships, ` +
      `${customers.existing} existing, in ${customers.seconds.toFixed(2)} s${rate}`,
    `Done in ${summary.seconds.toFixed(2)} s.`,
  ]
  console.log(lines.join('\n'))
  if (customers.requested > 0) {
    console.log(
      `Demo customers customer1@example.com … customer${customers.requested}@example.com sign in with the password "${DEMO_CUSTOMER_PASSWORD}".`,
    )
  }
  if (summary.superuser.generatedPassword) {
    console.log(
      `\nThe superuser's generated password, shown this once (set ADMIN_PASSWORD to choose one):\n\n  ${summary.superuser.generatedPassword}\n`,
    )
  }
}

// run when executed (tsx scripts/seed.ts), not when imported
if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) void main()
