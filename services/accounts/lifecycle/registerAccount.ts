// accountRegister / registerAccount: a new customer, and its confirmation link when the shop asks for one.
import type { Context } from '../../../generated/keystone/types'
import { env } from '../../../env'
import {
  DomainError,
  ENUMERATION_SAFE_FLOOR_MS,
  type FieldError,
  inTransaction,
  isValidEmail,
  metadataProblem,
  normalizeEmail,
  trusted,
  withMinimumDuration,
} from '../../kernel'
import {
  afterUserChange,
  findEmailHolder,
  isTakenEmailViolation,
  languageCodeProblems,
  mailOneTimeLink,
  nameProblems,
  mailNotice,
} from '../../users'
import { assertAllowedRedirectUrl, resolveChannel, type ChannelRef } from '../../messaging'
import { assertPasswordAcceptable, hashPassword } from '../../identity'

export type RegisterInput = {
  email: string
  password: string
  firstName?: string | null
  lastName?: string | null
  redirectUrl?: string | null
  languageCode?: string | null
  metadata?: Record<string, string> | null
  channel?: string | null
}

/**
 * Register a customer. A taken email, or one that looks like an account's (services/users
 * findEmailHolder), gets the same answer, in the same time, and that account's owner a notice at
 * the owner's own address instead of a second account: the answer never tells whether an email is
 * registered.
 */
export async function registerAccount(
  context: Context,
  input: RegisterInput,
): Promise<{ requiresConfirmation: boolean }> {
  const row = registrationRow(input)
  assertRegistrable(row)
  const { email } = row
  const requiresConfirmation = env.accountConfirmationRequired
  const redirectUrl = requiresConfirmation || input.redirectUrl ? assertAllowedRedirectUrl(input.redirectUrl) : null
  const channel = await resolveChannel(context, input.channel)

  // the owner of a taken email gets a notice instead of a second account, at the address the owner
  // holds: never at a look-alike someone else typed
  const noticeOwner = async (owner: { id: string; email: string; firstName: string }) => {
    await mailNotice(context, owner, 'ACCOUNT_EXISTS', { shopName: channel?.name })
  }

  await withMinimumDuration(ENUMERATION_SAFE_FLOOR_MS, async () => {
    const existing = await findEmailHolder(context, email)
    if (existing) {
      // the same hashing work as a new account
      await hashPassword(row.password)
      await noticeOwner(existing)
      return
    }
    try {
      const confirmation = requiresConfirmation && redirectUrl ? { redirectUrl, channel } : null
      await inTransaction(context, tx => createAccount(tx, row, confirmation))
    } catch (error) {
      // a simultaneous registration of the same email committed first (PostgreSQL runs them side
      // by side; SQLite queues them): this transaction rolled back whole, and the caller gets the
      // taken-email answer, never an error that would tell it the email now exists. The password
      // was already hashed by the list's hook, so the time spent matches too. A look-alike twin
      // (another address, the same skeleton) meets the skeleton's unique index the same way.
      if (!isTakenEmailViolation(error)) throw error
      const winner = await findEmailHolder(context, email)
      if (winner) await noticeOwner(winner)
    }
  })
  return { requiresConfirmation }
}

type RegistrationRow = ReturnType<typeof registrationRow>

// the row a registration writes, as the User list will store it: the checks below judge exactly it
function registrationRow(input: RegisterInput) {
  return {
    email: normalizeEmail(input.email),
    password: input.password,
    firstName: input.firstName?.trim() ?? '',
    lastName: input.lastName?.trim() ?? '',
    languageCode: input.languageCode ?? 'en',
    metadata: input.metadata ?? {},
  }
}

// every rule the User list applies to a new customer, run before the email is looked up: a rule
// that only a new account reached (the list's own validation) would tell a taken email from a
// free one. Each is the list's own export, on the values the list stores.
function assertRegistrable(row: RegistrationRow): void {
  const errors: FieldError[] = []
  if (!isValidEmail(row.email))
    errors.push({ field: 'email', code: 'INVALID', message: 'Enter a valid email address.' })
  const metadataError = metadataProblem(row.metadata)
  if (metadataError) errors.push({ field: 'metadata', code: 'INVALID', message: `Metadata ${metadataError}.` })
  errors.push(...nameProblems({ firstName: row.firstName, lastName: row.lastName }))
  errors.push(...languageCodeProblems(row.languageCode))
  if (errors.length) throw new DomainError(errors)
  assertPasswordAcceptable(row.password, row)
}

// the customer, what follows a new user, and its confirmation link when the shop asks for one
async function createAccount(
  tx: Context,
  row: RegistrationRow,
  confirmation: { redirectUrl: string; channel: ChannelRef } | null,
): Promise<void> {
  // through the list API so its hooks run: email normalised, password hashed, token key minted.
  // Trusted: a customer made field by field here, never staff, so there is no scope to judge
  const user = await trusted(tx, null).db.User.createOne({
    data: { ...row, isConfirmed: !env.accountConfirmationRequired },
  })
  const created = await tx.prisma.user.findUniqueOrThrow({ where: { id: user.id } })
  await afterUserChange(tx, { before: null, after: created, actorId: user.id })
  // quiet only when this mailbox was sent a confirmation moments ago (a +tag of it, say): the
  // account stands, and a password reset proves the mailbox just as well
  if (confirmation)
    await mailOneTimeLink(tx, {
      user: created,
      purpose: 'ACCOUNT_CONFIRMATION',
      ...confirmation,
      requestedBy: 'self',
      actorId: user.id,
    })
}
