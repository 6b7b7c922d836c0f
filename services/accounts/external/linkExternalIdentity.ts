// The one linking rule of accounts behind an OpenID Connect provider (API.md §10): the user an
// identity (provider, subject) signs in, linked or made now, a proven mailbox, staff single sign-on
// (promotion and the groups of the group claim). Every external sign-in (signInForTokens.ts,
// signInForAdmin.ts) calls it. The relying party itself (state, nonce, PKCE, ID token checks) is
// services/identity/externalSignIn.ts.
import type { Context } from '../../../generated/keystone/types'
import { env } from '../../../env'
import {
  DomainError,
  inTransaction,
  isUniqueViolation,
  isValidEmail,
  lockUser,
  normalizeEmail,
  trusted,
  withMinimumDuration,
  ENUMERATION_SAFE_FLOOR_MS,
} from '../../kernel'
import {
  afterUserChange,
  findEmailHolder,
  hasProvenMailbox,
  isTakenEmailViolation,
  mailOneTimeLink,
  nameProblems,
  promotionChanges,
  recordAccountEvent,
} from '../../users'
import { resolveChannel } from '../../messaging'
import { assertStaffChange, lockStaffScope } from '../../staff'
import { invalidExternalSignIn, type ExternalIdentity, type OidcProvider, type Session } from '../../identity'

export type UserRow = NonNullable<Awaited<ReturnType<Context['prisma']['user']['findUnique']>>>

// the key an identity is linked by: one user per (provider, subject)
const identityKey = (provider: string, subject: string) => JSON.stringify([provider, subject])

/** A provider sign-in refused, as INVALID_CREDENTIALS with its reason. */
export function refused(message: string): DomainError {
  return new DomainError({ field: null, code: 'INVALID_CREDENTIALS', message })
}

/** Whether an email is in a staff section's domains. */
function inStaffDomains(provider: OidcProvider, email: string | null): boolean {
  if (!provider.staff || !email) return false
  const domain = email.slice(email.lastIndexOf('@') + 1).toLowerCase()
  return provider.staff.domains.includes(domain)
}

// a provider that may make or sign in staff: a staff section, and a verified email in its domains
function mayActForStaff(identity: ExternalIdentity): boolean {
  return identity.emailVerified && inStaffDomains(identity.provider, identity.email)
}

/**
 * The one linking rule: the user an identity (provider, subject) signs in, linked or made now.
 * - A linked identity signs in its user, whatever email the provider says now: the subject decides,
 *   so an email changed at the provider never moves the link to another account.
 * - An unlinked identity needs an email the provider verified: an unverified claim links nothing
 *   (refuseUnverifiedClaim). An account holding the very mailbox (sameMailbox: never a folded
 *   look-alike) is linked, a staff account only through a provider with a staff section and the
 *   email in its domains, an inactive one never; a never-proven mailbox is proven by the link
 *   (provenByProvider). A look-alike of an account's email (services/users findEmailHolder) links nothing.
 * - A new verified email makes a confirmed customer (the User list's own path: hooks, event,
 *   webhook, search document); through a staff provider with the email in its domains, a staff member.
 * - Two first sign-ins of one new subject at once make one user: the identity's unique key refuses
 *   the second link, whose transaction (user included) rolls back, and it reads the winner's link.
 * A staff account's groups follow the provider's group claim at every sign-in (syncStaff), announced
 * as the Admin UI's change of them is (STAFF_UPDATED).
 */
export async function linkExternalIdentity(context: Context, identity: ExternalIdentity): Promise<UserRow> {
  const { provider, subject } = identity
  const key = identityKey(provider.id, subject)
  let user = await linkedUser(context, key)
  if (user) refuseInactive(user)
  else user = await linkOrCreate(context, identity, key)
  if (user.isStaff && !mayActForStaff(identity))
    throw refused('This account is a staff account: sign in with your staff provider or your password.')
  // promoted only when the verified claim names the account's own mailbox (a linked customer whose
  // provider email moved into a staff domain stays a customer)
  const ownMailbox = identity.email !== null && sameMailbox(identity.email, user.email)
  if (user.isStaff || (provider.staff && mayActForStaff(identity) && ownMailbox))
    user = await syncStaff(context, user, identity)
  await context.prisma.externalAccount.updateMany({ where: { identity: key }, data: { lastSignInAt: new Date() } })
  return user
}

async function linkedUser(context: Context, key: string): Promise<UserRow | null> {
  const link = await context.prisma.externalAccount.findUnique({ where: { identity: key }, select: { userId: true } })
  if (!link?.userId) return null
  return context.prisma.user.findUnique({ where: { id: link.userId } })
}

async function linkOrCreate(
  context: Context,
  identity: ExternalIdentity,
  key: string,
  retried = false,
): Promise<UserRow> {
  if (!identity.email) throw refused('The provider did not share an email address, which this shop needs.')
  const email = normalizeEmail(identity.email)
  if (!isValidEmail(email)) throw refused('The provider shared an email address this shop cannot use.')
  // a claim that only folds into an address (fullwidth, compatibility forms) is another mailbox: it
  // neither links an account nor makes one under the address it folds into
  if (!sameMailbox(identity.email, email))
    throw refused('An account with a similar email exists: sign in to it and link the provider from there.')
  if (!identity.emailVerified)
    return withMinimumDuration(ENUMERATION_SAFE_FLOOR_MS, () => refuseUnverifiedClaim(context, identity, email))
  const holder = await findEmailHolder(context, email)
  if (holder && !sameMailbox(identity.email, holder.email))
    throw refused('An account with a similar email exists: sign in to it and link the provider from there.')
  try {
    return await inTransaction(context, async tx => {
      if (holder) {
        await lockUser(tx, holder.id)
        const existing = await tx.prisma.user.findUnique({ where: { id: holder.id } })
        // deleted, or its email changed, since the holder was read: the claim names no account now
        if (!existing || !sameMailbox(identity.email!, existing.email)) throw invalidExternalSignIn()
        refuseInactive(existing)
        if (existing.isStaff && !mayActForStaff(identity))
          throw refused('This account is a staff account: sign in with your staff provider or your password.')
        await createLink(tx, existing.id, identity, key)
        return provenByProvider(tx, existing)
      }
      const created = await createUser(tx, identity, email)
      await createLink(tx, created.id, identity, key)
      return created
    })
  } catch (error) {
    // a twin first sign-in committed first: of this subject (its user is the one), or of another
    // subject with this email (the email now has a holder: the linking runs once more, by its rules)
    if (isUniqueViolation(error) || isTakenEmailViolation(error)) {
      const winner = await linkedUser(context, key)
      if (winner) return winner
      if (!retried) return linkOrCreate(context, identity, key, true)
    }
    throw error
  }
}

/**
 * An email claim the provider has NOT verified links nothing and signs in no one: anyone may type
 * any email at some providers. A new email makes a customer, as a registration does (confirmed by
 * its mailed link where confirmation is required), with no link: its owner signs in with a password
 * set through a reset, or through a provider that verified the email. An email an account holds
 * (or one like it) is not touched and mailed nothing. Both answer the same refusal, padded to the
 * same floor, so the answer does not tell a registered email from a new one.
 */
async function refuseUnverifiedClaim(context: Context, identity: ExternalIdentity, email: string): Promise<never> {
  const holder = await findEmailHolder(context, email)
  if (!holder)
    try {
      await inTransaction(context, tx => createUser(tx, identity, email))
    } catch (error) {
      // the same email registered meanwhile: the same answer
      if (!isUniqueViolation(error) && !isTakenEmailViolation(error)) throw error
    }
  throw new DomainError({
    field: null,
    code: 'ACCOUNT_NOT_CONFIRMED',
    message:
      'The provider has not verified this email address: verify it there and sign in again, or sign in with your password.',
  })
}

/**
 * Whether the provider's email claim names the very mailbox an account holds (its stored email, as
 * normalizeEmail gave it): the local part trimmed and lower-cased in ASCII only, never folded
 * (NFKC, or JavaScript's Unicode lower-casing, which maps the Kelvin sign to k): a fullwidth or
 * compatibility look-alike is another mailbox, and links nothing. The domain compares as DNS
 * does (case, IDNA, a trailing dot), through normalizeEmail.
 */
function sameMailbox(claim: string, stored: string): boolean {
  const trimmed = claim.trim()
  const at = trimmed.lastIndexOf('@')
  const storedAt = stored.lastIndexOf('@')
  if (at < 0 || storedAt < 0) return false
  const local = trimmed.slice(0, at).replace(/[A-Z]/g, c => c.toLowerCase())
  const domain = normalizeEmail(`x@${trimmed.slice(at + 1)}`).slice(2)
  return local === stored.slice(0, storedAt) && domain === stored.slice(storedAt + 1)
}

// a deactivated account: nothing a provider says reshapes it (no link, no promotion, no groups)
function refuseInactive(user: UserRow): void {
  if (!user.isActive) throw new DomainError({ field: null, code: 'INACTIVE', message: 'Account inactive.' })
}

/**
 * A provider that verified the email of an account whose mailbox was never proven by a link (a
 * registrant's, confirmed or not) is the first proof of it: in the link's transaction the proof is
 * recorded (EXTERNAL_PROVIDER), the account confirmed, and what the registrant held without proof
 * ends, as the promotion rule ends it (promotionChanges: every session, and the password of an
 * unproven mailbox), and with it every factor the registrant enrolled (TOTP, recovery codes,
 * passkeys), so whoever pre-registered the email keeps no way into, nor a lock on, the owner's account.
 */
async function provenByProvider(tx: Context, user: UserRow): Promise<UserRow> {
  if (hasProvenMailbox(user)) return user
  await tx.prisma.recoveryCode.deleteMany({ where: { userId: user.id } })
  await tx.prisma.passkeyCredential.deleteMany({ where: { userId: user.id } })
  const proven = await tx.prisma.user.update({
    where: { id: user.id },
    data: {
      ...promotionChanges(user, {}),
      totpSecret: null,
      totpPendingSecret: null,
      totpEnabledAt: null,
      isConfirmed: true,
      emailVerifiedAt: new Date(),
      emailVerifiedBy: 'EXTERNAL_PROVIDER',
    },
  })
  await afterUserChange(tx, { before: user, after: proven, actorId: user.id })
  return proven
}

async function createLink(tx: Context, userId: string, identity: ExternalIdentity, key: string): Promise<void> {
  await tx.prisma.externalAccount.create({
    data: { userId, provider: identity.provider.id, subject: identity.subject, identity: key },
  })
  await recordAccountEvent(tx, {
    type: 'EXTERNAL_ACCOUNT_LINKED',
    userId,
    actorId: userId,
    parameters: { provider: identity.provider.id },
  })
}

// a new user, through the User list (its hooks: a token key, the row's defaults), its mailbox proven
// when the provider verified the email, then what follows a new user (event, webhook), and its
// confirmation link when the provider did not verify the email
async function createUser(tx: Context, identity: ExternalIdentity, email: string): Promise<UserRow> {
  const staff = identity.provider.staff !== undefined && mayActForStaff(identity)
  const confirmed = identity.emailVerified || !env.accountConfirmationRequired
  // the provider's names when the User list's own rule takes them, else none (the user adds them later)
  const given = { firstName: identity.firstName, lastName: identity.lastName }
  const names = nameProblems(given).length === 0 ? given : { firstName: '', lastName: '' }
  const made = await trusted(tx, null).db.User.createOne({
    data: {
      email,
      ...names,
      isConfirmed: confirmed,
      ...(staff ? { isStaff: true } : {}),
    },
  })
  // the provider's verified email is the proof of its mailbox (a write the User list never makes)
  const created = await tx.prisma.user.update({
    where: { id: String(made.id) },
    data: identity.emailVerified ? { emailVerifiedAt: new Date(), emailVerifiedBy: 'EXTERNAL_PROVIDER' } : {},
  })
  await afterUserChange(tx, { before: null, after: created, actorId: created.id })
  if (!confirmed)
    await mailOneTimeLink(tx, {
      user: created,
      purpose: 'ACCOUNT_CONFIRMATION',
      redirectUrl: confirmationUrl(),
      channel: await resolveChannel(tx, null),
      requestedBy: 'self',
      actorId: created.id,
    })
  return created
}

// where a provider-made account's confirmation link leads: the storefront's page, or the Admin UI's own
function confirmationUrl(): string {
  return `${env.storefrontUrl ?? env.publicUrl}/confirm-account`
}

// the deployer's approval: OIDC_PROVIDERS' mapping, judged by the scope rules as a superuser's change
const DEPLOYER: Session = {
  listKey: 'User',
  itemId: '',
  via: 'cookie',
  data: { id: '', isActive: true, isStaff: true, isSuperuser: true, isConfirmed: true, userPermissions: [] },
}

/**
 * Staff single sign-on: a customer whose verified email is in a staff provider's domains becomes
 * staff (the User list's promotion rule runs on the write), and a staff member's permission groups
 * become exactly the ones its group claim's values map to, by group name, at every sign-in. A claim
 * value outside the mapping grants nothing; a mapped name with no such group is logged, not made;
 * a change the scope rules refuse (services/staff judgeStaffChange) is logged and not made.
 */
async function syncStaff(context: Context, user: UserRow, identity: ExternalIdentity): Promise<UserRow> {
  const section = identity.provider.staff
  if (!section) return user
  if (!user.isStaff) user = await promoteToStaff(context, user.id)
  if (!section.groupClaim) return user
  const claim = identity.claims[section.groupClaim]
  const values = Array.isArray(claim)
    ? claim.filter(v => typeof v === 'string')
    : typeof claim === 'string'
      ? [claim]
      : []
  const names = [
    ...new Set(values.flatMap(value => (Object.hasOwn(section.groups, value) ? [section.groups[value]!] : []))),
  ]
  const groups = await context.prisma.permissionGroup.findMany({
    where: { name: { in: names } },
    select: { id: true, name: true },
  })
  for (const name of names)
    if (!groups.some(group => group.name === name))
      console.warn(
        `oidc: provider ${identity.provider.id} maps to the permission group "${name}", which does not exist`,
      )
  const want = new Set(groups.map(group => group.id))
  try {
    return await inTransaction(context, async tx => {
      // the groups held are read under the scope's locks, so two sign-ins of one staff member at
      // once compute their change one after the other, each from the state the other left
      await lockStaffScope(tx, [user.id])
      const before = await tx.prisma.user.findUniqueOrThrow({
        where: { id: user.id },
        include: { permissionGroups: { select: { id: true } } },
      })
      const held = before.permissionGroups.map(group => group.id)
      const addGroups = [...want].filter(id => !held.includes(id))
      const removeGroups = held.filter(id => !want.has(id))
      const { permissionGroups: _, ...beforeRow } = before
      if (addGroups.length === 0 && removeGroups.length === 0) return beforeRow
      await assertStaffChange(tx, DEPLOYER, { users: [{ kind: 'update', userId: user.id, addGroups, removeGroups }] })
      await trusted(tx, null).db.User.updateOne({
        where: { id: user.id },
        data: {
          permissionGroups: {
            connect: addGroups.map(id => ({ id })),
            disconnect: removeGroups.map(id => ({ id })),
          },
        },
      })
      // what follows is what follows the same change made in the Admin UI (STAFF_UPDATED)
      const after = await tx.prisma.user.findUniqueOrThrow({ where: { id: user.id } })
      await afterUserChange(tx, { before: beforeRow, after, actorId: null })
      return after
    })
  } catch (error) {
    if (!(error instanceof DomainError)) throw error
    console.warn(`oidc: provider ${identity.provider.id}'s groups for user ${user.id} refused: ${error.message}`)
    return user
  }
}

// a customer in a staff provider's domains becomes staff through the User list's promotion rule,
// and what follows a promotion follows, in the transaction that made it
async function promoteToStaff(context: Context, userId: string): Promise<UserRow> {
  return inTransaction(context, async tx => {
    await lockStaffScope(tx, [userId])
    const before = await tx.prisma.user.findUniqueOrThrow({ where: { id: userId } })
    if (before.isStaff) return before
    await trusted(tx, null).db.User.updateOne({ where: { id: userId }, data: { isStaff: true } })
    const after = await tx.prisma.user.findUniqueOrThrow({ where: { id: userId } })
    await afterUserChange(tx, { before, after, actorId: null })
    return after
  })
}
