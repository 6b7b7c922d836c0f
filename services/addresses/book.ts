// The address book, shared by every path that touches it (both self-service vocabularies, the
// staff mutations, the generated API through lists/Address.ts): an address belongs to exactly
// one user for life, a user holds at most MAX_ADDRESSES_PER_USER, every address is validated
// and normalised per country, and a default address is always one of the user's own.
import type { Context } from '../../generated/keystone/types'
import { DomainError } from '../kernel'
import { validateAddress, type AddressFields, type NormalizedAddress } from './validation'
import { mergeMetadata, metadataProblem } from '../kernel'
import { inTransaction, isPostgres } from '../kernel'
import { ADDRESS_FIELDS, afterUserChange } from '../users'

export const MAX_ADDRESSES_PER_USER = 100

export type AddressType = 'SHIPPING' | 'BILLING'

// the only fields a caller can write (the Address list's own, kept by users): copied one by one, never a caller's raw input
export { ADDRESS_FIELDS }

export type AddressInput = Partial<Record<(typeof ADDRESS_FIELDS)[number], string | null>> & {
  metadata?: Record<string, string> | null
}

/**
 * Who changed a user's default addresses, given when the call is the whole operation: a change of
 * the defaults is a change of the user, announced as every path announces one
 * (services/users/afterUserChange.ts: CUSTOMER_UPDATED). A caller whose own operation announces the
 * user's whole change afterwards (accountUpdate, customerCreate) gives none, so it is announced once.
 */
export type DefaultsChangedBy = { actorId: string | null }

const DEFAULT_FIELD: Record<AddressType, 'defaultShippingAddressId' | 'defaultBillingAddressId'> = {
  SHIPPING: 'defaultShippingAddressId',
  BILLING: 'defaultBillingAddressId',
}

/**
 * Refuse a new address for a user whose book is full: the one cap of every path (the mutations
 * through createAddress, the generated API and the Admin UI through the Address list's hook).
 * Called inside the transaction that then adds the address: on PostgreSQL it first takes the
 * user's row (FOR NO KEY UPDATE, the lock the search keeper takes too, which an address's foreign
 * key does not wait for), so two adds racing for the last place count one after the other;
 * SQLite runs one write transaction at a time already.
 */
export async function assertAddressBookHasRoom(context: Context, userId: string): Promise<void> {
  if (isPostgres(context))
    await context.prisma.$queryRaw`SELECT "id" FROM "User" WHERE "id" = ${userId} FOR NO KEY UPDATE`
  if ((await context.prisma.address.count({ where: { userId } })) < MAX_ADDRESSES_PER_USER) return
  throw new DomainError({
    field: null,
    code: 'INVALID',
    message: `An address book holds at most ${MAX_ADDRESSES_PER_USER} addresses; delete one before adding another.`,
  })
}

/** Tell whether an address exists and belongs to this user (read with sudo: this is a check, not a read). */
export async function isAddressOfUser(context: Context, addressId: string, userId: string): Promise<boolean> {
  return (await context.prisma.address.count({ where: { id: addressId, userId } })) === 1
}

/** Pick the writable address fields out of any input, so nothing else can ride along. */
export function pickAddressFields(input: Record<string, unknown>): AddressInput {
  const picked: AddressInput = {}
  for (const key of ADDRESS_FIELDS) {
    const value = input[key]
    if (value === null || typeof value === 'string') picked[key] = value
  }
  if (input.metadata !== undefined) picked.metadata = input.metadata as Record<string, string> | null
  return picked
}

/** Add a validated address to a user's book, optionally as a default; gives the new address's id. */
export async function createAddress(
  context: Context,
  args: { userId: string; input: AddressInput; setDefault?: AddressType | null; by?: DefaultsChangedBy },
): Promise<string> {
  const fields = await validatedFields(args.input)
  return inTransaction(context, async tx => {
    await assertAddressBookHasRoom(tx, args.userId)
    const address = await tx.prisma.address.create({
      data: { ...fields, metadata: args.input.metadata ?? {}, userId: args.userId },
    })
    if (args.setDefault)
      await changeDefaults(tx, args.userId, { [DEFAULT_FIELD[args.setDefault]]: address.id }, args.by)
    return address.id
  })
}

/** Change one of the user's own addresses; anyone else's is NOT_FOUND, exactly like a missing one. */
export async function updateAddress(
  context: Context,
  args: { userId: string; addressId: string; input: AddressInput },
): Promise<void> {
  const existing = await ownAddress(context, args.userId, args.addressId)
  const merged: AddressInput = {}
  for (const key of ADDRESS_FIELDS) merged[key] = args.input[key] !== undefined ? args.input[key] : existing[key]
  const fields = await validatedFields(merged)
  // the given keys are set, the others stay; the limits hold for the whole map, or repeated
  // updates of a few new keys each would grow it without bound
  const metadata = args.input.metadata ? mergeMetadata(existing.metadata, args.input.metadata) : undefined
  const problem = metadataProblem(metadata)
  if (problem) throw new DomainError({ field: 'metadata', code: 'INVALID', message: `Metadata ${problem}.` })
  await context.prisma.address.update({
    where: { id: existing.id },
    data: { ...fields, ...(metadata !== undefined ? { metadata } : {}) },
  })
}

/** Delete one of the user's own addresses; a default that pointed at it is cleared with it. */
export async function deleteAddress(
  context: Context,
  args: { userId: string; addressId: string; by: DefaultsChangedBy },
): Promise<{ id: string }> {
  const existing = await ownAddress(context, args.userId, args.addressId)
  await inTransaction(context, async tx => {
    await clearDefaultsOn(tx, existing, args.by)
    await tx.prisma.address.delete({ where: { id: existing.id } })
  })
  return existing
}

/**
 * Before an address is deleted, on every path (the book's deletes, and the Address list's hook for
 * the generated API and the Admin UI): the owner's defaults that name it are cleared, a change of
 * the user announced as every other (the foreign key would clear them too, but silently).
 */
export async function clearDefaultsOn(
  tx: Context,
  address: { id: string; userId: string | null },
  by: DefaultsChangedBy,
): Promise<void> {
  if (!address.userId) return
  const user = await tx.prisma.user.findUnique({ where: { id: address.userId } })
  if (!user) return
  const cleared = {
    ...(user.defaultShippingAddressId === address.id ? { defaultShippingAddressId: null } : {}),
    ...(user.defaultBillingAddressId === address.id ? { defaultBillingAddressId: null } : {}),
  }
  if (Object.keys(cleared).length) await changeDefaults(tx, user.id, cleared, by)
}

/** Make one of the user's own addresses its default shipping or billing address. */
export async function setDefaultAddress(
  context: Context,
  args: { userId: string; addressId: string; type: AddressType; by: DefaultsChangedBy },
): Promise<void> {
  const existing = await ownAddress(context, args.userId, args.addressId)
  await inTransaction(context, tx =>
    changeDefaults(tx, args.userId, { [DEFAULT_FIELD[args.type]]: existing.id }, args.by),
  )
}

// the one write of a user's default addresses, announced when the call is the whole operation
async function changeDefaults(
  tx: Context,
  userId: string,
  data: Partial<Record<'defaultShippingAddressId' | 'defaultBillingAddressId', string | null>>,
  by: DefaultsChangedBy | undefined,
): Promise<void> {
  const before = by ? await tx.prisma.user.findUniqueOrThrow({ where: { id: userId } }) : null
  const after = await tx.prisma.user.update({ where: { id: userId }, data })
  if (before && by) await afterUserChange(tx, { before, after, actorId: by.actorId })
}

/** The id of the user an address belongs to; NOT_FOUND when there is no such address. */
export async function ownerOfAddress(context: Context, addressId: string): Promise<string> {
  const address = await context.prisma.address.findUnique({ where: { id: addressId }, select: { userId: true } })
  if (!address?.userId) throw new DomainError({ field: 'id', code: 'NOT_FOUND', message: 'Address not found.' })
  return address.userId
}

async function ownAddress(context: Context, userId: string, addressId: string) {
  const address = await context.prisma.address.findUnique({ where: { id: addressId } })
  // WARNING: never tell "exists but not yours" apart from "does not exist"
  if (!address || address.userId !== userId)
    throw new DomainError({ field: 'id', code: 'NOT_FOUND', message: 'Address not found.' })
  return address
}

async function validatedFields(input: AddressInput): Promise<NormalizedAddress> {
  const metadataError = metadataProblem(input.metadata)
  const fields: AddressFields = {}
  for (const key of ADDRESS_FIELDS) fields[key] = input[key] ?? ''
  try {
    const normalised = await validateAddress(fields)
    if (metadataError)
      throw new DomainError({ field: 'metadata', code: 'INVALID', message: `Metadata ${metadataError}.` })
    return normalised
  } catch (error) {
    if (error instanceof DomainError && metadataError && !error.errors.some(e => e.field === 'metadata')) {
      throw new DomainError([
        ...error.errors,
        { field: 'metadata', code: 'INVALID', message: `Metadata ${metadataError}.` },
      ])
    }
    throw error
  }
}
