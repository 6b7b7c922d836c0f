// A user's passkeys (API.md §9): registering, listing, renaming and removing them, with what
// follows each change (a PASSKEY_ADDED or PASSKEY_REMOVED event, and a mail telling the user of a
// new passkey, written in the transaction of the change). The WebAuthn mechanics and the passkey
// sign-in are the identity module's (services/identity/passkeys.ts). Who sees a user's passkeys is
// the rule that reaches its sessions (reachesSessionsOf): the user itself, or staff who manage it.
import type { Context } from '../../generated/keystone/types'
import {
  assertMayRemoveSecondFactor,
  cleanPasskeyName,
  deletePasskey,
  endSessionsOfPasskey,
  passkeysOfUser,
  renamePasskey,
  storePasskey,
  verifyPasskeyRegistration,
  type AuthMethod,
  type PasskeyView,
  type Session,
} from '../identity'
import { inTransaction, lockUser } from '../kernel'
import { mailNotice, recordAccountEvent } from '../users'
import { reachesSessionsOf } from './sessions'

/** passkeyRegister: store the passkey a registration response proves; the user is told by mail. */
export async function addPasskey(
  context: Context,
  args: { userId: string; response: unknown; name?: string | null; amr: readonly AuthMethod[] },
): Promise<PasskeyView> {
  // a bad name is told before the challenge is spent
  if (args.name !== undefined && args.name !== null) cleanPasskeyName(args.name)
  const sudo = context.sudo()
  // its challenge is spent outside the transaction: a registration that fails later still used it
  const verified = await verifyPasskeyRegistration(sudo, {
    userId: args.userId,
    response: args.response,
    amr: args.amr,
  })
  return inTransaction(sudo, async tx => {
    const passkey = await storePasskey(tx, { userId: args.userId, passkey: verified, name: args.name })
    await recordAccountEvent(tx, {
      type: 'PASSKEY_ADDED',
      userId: args.userId,
      actorId: args.userId,
      parameters: { passkey_id: passkey.id, name: passkey.name },
    })
    const user = await tx.prisma.user.findUniqueOrThrow({ where: { id: args.userId } })
    await mailNotice(tx, user, 'PASSKEY_ADDED')
    return passkey
  })
}

/** passkeyRename: a new name for one of the caller's own passkeys. */
export async function renameOwnPasskey(
  context: Context,
  args: { userId: string; id: string; name: string },
): Promise<PasskeyView> {
  return renamePasskey(context.sudo(), args)
}

/**
 * passkeyDelete: remove one of the caller's own passkeys, from a session that proved a second factor
 * (assertMayRemoveSecondFactor). It signs in no more, and the sessions it began end, but the
 * caller's own (endSessionsOfPasskey), as an unlinked provider's sessions end.
 */
export async function removeOwnPasskey(
  context: Context,
  args: { userId: string; id: string; amr: readonly AuthMethod[]; sessionId: string },
): Promise<void> {
  assertMayRemoveSecondFactor(args.amr)
  await inTransaction(context.sudo(), async tx => {
    // the user's lock, as a passkey sign-in binds and begins its session under it
    // (verifyPasskeySignIn): one that began before this removal is ended below, none begins after
    await lockUser(tx, args.userId)
    const passkey = await deletePasskey(tx, { userId: args.userId, id: args.id })
    await endSessionsOfPasskey(tx, { userId: args.userId, passkeyId: passkey.id, keepSessionId: args.sessionId })
    await recordAccountEvent(tx, {
      type: 'PASSKEY_REMOVED',
      userId: args.userId,
      actorId: args.userId,
      parameters: { passkey_id: passkey.id, name: passkey.name },
    })
  })
}

/** The passkeys of a user, for a caller who reaches its sessions (itself, or staff who manage it); null otherwise. */
export async function passkeysOf(
  context: Context,
  caller: Session | undefined,
  userId: string,
): Promise<PasskeyView[] | null> {
  const sudo = context.sudo()
  if (!(await reachesSessionsOf(sudo, caller, userId))) return null
  return passkeysOfUser(sudo, userId)
}
