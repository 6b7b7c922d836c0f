// The address book's invariants: an address belongs to exactly one user for life, a user holds
// at most MAX_ADDRESSES_PER_USER, and a default address is always one of the user's own.
import type { Context } from '../generated/keystone/types'

export const MAX_ADDRESSES_PER_USER = 100

export async function countAddresses (context: Context, userId: string): Promise<number> {
  return context.sudo().db.Address.count({ where: { user: { id: { equals: userId } } } })
}

/** Tell whether an address exists and belongs to this user (read with sudo: this is a check, not a read). */
export async function isAddressOfUser (context: Context, addressId: string, userId: string): Promise<boolean> {
  const count = await context.sudo().db.Address.count({
    where: { id: { equals: addressId }, user: { id: { equals: userId } } },
  })
  return count === 1
}
