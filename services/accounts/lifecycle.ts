// The self-service account lifecycle, shared by both API vocabularies: registration and
// confirmation, password reset and change, verified email change, and self-service deletion.
// Every change writes its event and its mails in one transaction; mails leave after commit.
import type { Context } from '../../generated/keystone/types'
import { env } from '../../env'
import { isValidEmail, normalizeEmail } from '../kernel'
import { DomainError } from '../kernel'
import { emailColumns, findEmailHolder, isTakenEmailViolation, recordAccountEvent } from '../users'
import { endQuietPeriod, enqueueMail, kickOutbox } from '../messaging'
import { assertPasswordAcceptable } from '../identity'
import { hashPassword, verifyPassword } from '../identity'
import { issueOneTimeToken, redeemOneTimeToken } from '../identity'
import { assertAllowedRedirectUrl } from '../messaging'
import { resolveChannel, type ChannelRef } from './channels'
import { metadataProblem } from '../kernel'
import { LANGUAGE_CODE, MAX_NAME } from './profile'
import { clearAccountLockout, columnsThatEndSessions } from '../identity'
import { assertPasswordLoginAllowed, issueTokens, type IssuedTokens } from '../identity'
import { ENUMERATION_SAFE_FLOOR_MS, trusted, withMinimumDuration } from '../kernel'
import { emitWebhookEvent, kickWebhooks, userWebhookPayload } from '../messaging'
import { NO_PROOF, afterUserChange, redeemedProof, removeUser, tryLockUser } from '../users'

// who asked for a reset link, kept on its token; each has its own quiet period (the outbox's: 15
// minutes for anyone's requests, until setPassword ends it; a minute for staff's sends)
const SELF_REQUESTED = 'self'
export type LinkSource = typeof SELF_REQUESTED | 'staff'

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
  const email = normalizeEmail(input.email)
  const errors = []
  if (!isValidEmail(email))
    errors.push({ field: 'email', code: 'INVALID' as const, message: 'Enter a valid email address.' })
  const metadataError = metadataProblem(input.metadata)
  if (metadataError) errors.push({ field: 'metadata', code: 'INVALID' as const, message: `Metadata ${metadataError}.` })
  // every check runs before the email is looked up: a check that only a new account reached
  // (the list's own validation) would tell a taken email from a free one
  for (const key of ['firstName', 'lastName'] as const) {
    if ((input[key] ?? '').trim().length > MAX_NAME)
      errors.push({ field: key, code: 'INVALID' as const, message: `${key} is too long.` })
  }
  if (input.languageCode && !LANGUAGE_CODE.test(input.languageCode))
    errors.push({
      field: 'languageCode',
      code: 'INVALID' as const,
      message: 'Enter a language code such as en or pt-BR.',
    })
  if (errors.length) throw new DomainError(errors)
  assertPasswordAcceptable(input.password, {
    email,
    firstName: input.firstName ?? undefined,
    lastName: input.lastName ?? undefined,
  })
  const requiresConfirmation = env.accountConfirmationRequired
  const redirectUrl = requiresConfirmation
    ? assertAllowedRedirectUrl(input.redirectUrl)
    : input.redirectUrl
      ? assertAllowedRedirectUrl(input.redirectUrl)
      : null
  const channel = await resolveChannel(context, input.channel)

  // the owner of a taken email gets a notice instead of a second account, at the address the owner
  // holds: never at a look-alike someone else typed
  const noticeOwner = async (owner: { id: string; email: string; firstName: string }) => {
    await enqueueMail(context, {
      to: owner.email,
      template: 'ACCOUNT_EXISTS',
      params: { email: owner.email, firstName: owner.firstName, shopName: channel?.name },
      userId: owner.id,
    })
  }

  await withMinimumDuration(ENUMERATION_SAFE_FLOOR_MS, async () => {
    const existing = await findEmailHolder(context, email)
    if (existing) {
      // the same hashing work as a new account
      await hashPassword(input.password)
      await noticeOwner(existing)
      return
    }
    try {
      await context.transaction(async tx => {
        // through the list API so its hooks run: email normalised, password hashed, token key minted.
        // Trusted: a customer made field by field here, never staff, so there is no scope to judge
        const user = await trusted(tx, null).db.User.createOne({
          data: {
            email,
            password: input.password,
            firstName: input.firstName?.trim() ?? '',
            lastName: input.lastName?.trim() ?? '',
            languageCode: input.languageCode ?? 'en',
            metadata: input.metadata ?? {},
            isConfirmed: !requiresConfirmation,
          },
        })
        const created = await tx.prisma.user.findUniqueOrThrow({ where: { id: user.id } })
        await afterUserChange(tx, { before: null, after: created, actorId: user.id, cause: 'register' })
        if (requiresConfirmation && redirectUrl) {
          // quiet only when this mailbox was sent a confirmation moments ago (a +tag of it, say):
          // the account stands, and a password reset proves the mailbox just as well
          const queued = await enqueueMail(tx, {
            to: email,
            template: 'ACCOUNT_CONFIRMATION',
            params: { email, firstName: user.firstName, redirectUrl, shopName: channel?.name },
            secrets: async () => ({
              token: await issueOneTimeToken(tx, { userId: user.id, purpose: 'ACCOUNT_CONFIRMATION', sentTo: email }),
            }),
            userId: user.id,
          })
          if (queued)
            await emitWebhookEvent(tx, {
              event: 'ACCOUNT_CONFIRMATION_REQUESTED',
              payload: { user: userWebhookPayload(created), redirectUrl, channel: channel?.slug ?? null },
            })
        }
      })
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
  kickOutbox()
  kickWebhooks()
  return { requiresConfirmation }
}

/** Confirm an account with the token from its confirmation mail. */
export async function confirmAccount(
  context: Context,
  args: { email: string; token: string },
): Promise<{ userId: string }> {
  const user = await context.prisma.user.findUnique({ where: { email: normalizeEmail(args.email) } })
  return context
    .transaction(async tx => {
      // a missing user gets the same INVALID as a wrong token
      const { userId, payload } = await redeemOneTimeToken(tx, {
        token: args.token,
        purpose: 'ACCOUNT_CONFIRMATION',
        userId: user?.id ?? '-',
      })
      const before = await tx.prisma.user.findUniqueOrThrow({ where: { id: userId } })
      // confirms only: an account staff deactivated stays deactivated. The link was mailed to this
      // address, so redeeming it proves the mailbox
      const confirmed = await tx.prisma.user.update({
        where: { id: userId },
        data: { isConfirmed: true, ...redeemedProof('ACCOUNT_CONFIRMATION', payload, before.email) },
      })
      const events = [{ type: 'ACCOUNT_ACTIVATED' as const }]
      await afterUserChange(tx, {
        before,
        after: confirmed,
        actorId: userId,
        cause: 'confirmation',
        events,
        webhook: { event: 'ACCOUNT_CONFIRMED' },
      })
      return { userId }
    })
    .finally(kickWebhooks)
}

/**
 * Mail a password-reset link. Unknown and inactive emails get the same answer in the same
 * time; a second request within the address's quiet period sends nothing, until setPassword ends it.
 */
export async function requestPasswordReset(
  context: Context,
  args: { email: string; redirectUrl: string; channel?: string | null },
): Promise<void> {
  const redirectUrl = assertAllowedRedirectUrl(args.redirectUrl)
  const channel = await resolveChannel(context, args.channel)
  const email = normalizeEmail(args.email)
  await withMinimumDuration(ENUMERATION_SAFE_FLOOR_MS, async () => {
    const user = await context.prisma.user.findUnique({ where: { email }, select: { id: true } })
    if (!user) return
    await context.transaction(tx =>
      sendPasswordResetLink(tx, user.id, { redirectUrl, channel, actorId: user.id, sentBy: SELF_REQUESTED }),
    )
  })
  kickOutbox()
  kickWebhooks()
}

/**
 * Issue a reset link to an active user and queue its mail, event and webhook in `tx`. Nothing is
 * written for an inactive user ('inactive'), nor ('quiet') within the address's quiet period for
 * password links of this kind of requester (the outbox's rule: 15 minutes for anyone's requests,
 * until setPassword ends it; a minute for staff's), or while a concurrent twin holds the user's
 * lock. A staff send replaces the user's own link; each kind leaves the other's quiet period alone.
 * Callers kick the outbox and webhooks after commit.
 */
export async function sendPasswordResetLink(
  tx: Context,
  userId: string,
  args: { redirectUrl: string; channel: ChannelRef; actorId: string; sentBy: LinkSource },
): Promise<'sent' | 'quiet' | 'inactive'> {
  if (!(await tryLockUser(tx, userId))) return 'quiet'
  const user = await tx.prisma.user.findUnique({ where: { id: userId } })
  if (!user?.isActive) return 'inactive'
  const { redirectUrl, channel } = args
  // the token only once the mail will go: a quiet request leaves the live link alone
  const queued = await enqueueMail(tx, {
    to: user.email,
    template: user.isStaff ? 'STAFF_SET_PASSWORD' : 'PASSWORD_RESET',
    params: { email: user.email, firstName: user.firstName, redirectUrl, shopName: channel?.name },
    secrets: async () => ({
      token: await issueOneTimeToken(tx, {
        userId: user.id,
        purpose: 'PASSWORD_RESET',
        sentTo: user.email,
        payload: { source: args.sentBy },
      }),
    }),
    userId: user.id,
    requestedBy: args.sentBy === 'staff' ? 'staff' : 'anyone',
  })
  if (!queued) return 'quiet'
  await recordAccountEvent(tx, { type: 'PASSWORD_RESET_LINK_SENT', userId: user.id, actorId: args.actorId })
  // the staff or the customer event, by the role the user has at this moment
  await emitWebhookEvent(tx, {
    event: user.isStaff ? 'STAFF_SET_PASSWORD_REQUESTED' : 'ACCOUNT_SET_PASSWORD_REQUESTED',
    payload: { user: userWebhookPayload(user), redirectUrl, channel: channel?.slug ?? null },
  })
  return 'sent'
}

/**
 * Set a new password with a reset token, end every other session of the user, lift every
 * sign-in lockout of the account, and sign it in.
 */
export async function setPasswordWithToken(
  context: Context,
  args: { email: string; token: string; password: string },
): Promise<IssuedTokens> {
  const user = await context.prisma.user.findUnique({ where: { email: normalizeEmail(args.email) } })
  const updated = await context.transaction(async tx => {
    const { userId, payload } = await redeemOneTimeToken(tx, {
      token: args.token,
      purpose: 'PASSWORD_RESET',
      userId: user?.id ?? '-',
    })
    // the policy only after the token: before it, its answer would tell a registered email, and its
    // similarity rule would confirm guesses at the owner's names; a refusal rolls the token back
    const owner = await tx.prisma.user.findUniqueOrThrow({ where: { id: userId } })
    assertPasswordAcceptable(args.password, owner)
    // API.md §5: the reset's quiet period lasts while its link is unused; using one ends it
    await endQuietPeriod(tx, { to: owner.email, template: 'PASSWORD_RESET' })
    const passwordHash = await hashPassword(args.password)
    // proving the mailbox (a reset link, or a staff invite) also confirms the account
    const changed = await tx.prisma.user.update({
      where: { id: userId },
      data: {
        password: passwordHash,
        isConfirmed: true,
        ...redeemedProof('PASSWORD_RESET', payload, owner.email),
        ...columnsThatEndSessions(),
      },
    })
    // no mail and no webhook here: the user has just acted on the mail it asked for (Saleor's lifecycle table)
    await afterUserChange(tx, {
      before: owner,
      after: changed,
      actorId: userId,
      cause: 'passwordReset',
      events: [{ type: 'PASSWORD_RESET' }],
    })
    // the owner has proven the mailbox: every sign-in lockout of the account ends with the reset,
    // on every way in, and in the same transaction, so a reset that rolls back lifts nothing
    await clearAccountLockout(tx, owner.email)
    return changed
  })
  if (!updated.isActive) throw new DomainError({ field: 'email', code: 'INACTIVE', message: 'Account inactive.' })
  // the password is set either way; whether it may sign in here is PASSWORD_LOGIN_MODE's call
  assertPasswordLoginAllowed(updated)
  return issueTokens(updated)
}

/**
 * Change the password of a signed-in user after checking the old one; every other token of
 * the user stops working, and the user is told by mail.
 */
export async function changePassword(
  context: Context,
  args: { userId: string; oldPassword: string; newPassword: string; minLength?: number },
): Promise<void> {
  const user = await context.prisma.user.findUniqueOrThrow({ where: { id: args.userId } })
  if (!user.password || !(await verifyPassword(args.oldPassword, user.password))) {
    throw new DomainError({ field: 'oldPassword', code: 'INVALID_PASSWORD', message: "Old password isn't valid." })
  }
  if (args.minLength && args.newPassword.length < args.minLength) {
    throw new DomainError({
      field: 'newPassword',
      code: 'PASSWORD_TOO_SHORT',
      message: `This password is too short. It must contain at least ${args.minLength} characters.`,
    })
  }
  assertPasswordAcceptable(args.newPassword, user, 'newPassword')
  const passwordHash = await hashPassword(args.newPassword)
  await context.transaction(async tx => {
    const changed = await tx.prisma.user.update({
      where: { id: user.id },
      data: { password: passwordHash, ...columnsThatEndSessions() },
    })
    await afterUserChange(tx, { before: user, after: changed, actorId: user.id, cause: 'passwordChange' })
    await enqueueMail(tx, {
      to: user.email,
      template: 'PASSWORD_CHANGED',
      params: { email: user.email, firstName: user.firstName },
      userId: user.id,
    })
  })
  kickOutbox()
}

/**
 * Start an email change: re-check the password and mail a link to the new address. A new
 * address that is already taken gets a notice instead of a link, and the caller the same answer.
 */
export async function requestEmailChange(
  context: Context,
  args: { userId: string; password: string; newEmail: string; redirectUrl: string; channel?: string | null },
): Promise<void> {
  const user = await context.prisma.user.findUniqueOrThrow({ where: { id: args.userId } })
  const newEmail = normalizeEmail(args.newEmail)
  if (!isValidEmail(newEmail))
    throw new DomainError({ field: 'newEmail', code: 'INVALID', message: 'Enter a valid email address.' })
  const redirectUrl = assertAllowedRedirectUrl(args.redirectUrl)
  const channel = await resolveChannel(context, args.channel)
  if (!user.password || !(await verifyPassword(args.password, user.password))) {
    throw new DomainError({ field: 'password', code: 'INVALID_CREDENTIALS', message: "Password isn't valid." })
  }
  // a taken address does less work than a free one: both take the same time
  await withMinimumDuration(ENUMERATION_SAFE_FLOOR_MS, async () => {
    // an address that looks like an account's is that account's
    const taken = await findEmailHolder(context, newEmail)
    await context.transaction(async tx => {
      await recordAccountEvent(tx, {
        type: 'EMAIL_CHANGED_REQUEST',
        userId: user.id,
        actorId: user.id,
        parameters: { new_email: newEmail },
      })
      if (taken) {
        await enqueueMail(tx, {
          to: taken.email,
          template: 'ACCOUNT_EXISTS',
          params: { email: taken.email, firstName: taken.firstName, shopName: channel?.name },
          userId: taken.id,
        })
        return
      }
      // quiet when this mailbox was sent an email-change link within its quiet period, by this
      // customer or another: the same answer, no token (an earlier link stays live), no webhook
      const queued = await enqueueMail(tx, {
        to: newEmail,
        template: 'EMAIL_CHANGE_CONFIRMATION',
        params: {
          email: newEmail,
          oldEmail: user.email,
          newEmail,
          firstName: user.firstName,
          redirectUrl,
          shopName: channel?.name,
        },
        secrets: async () => ({
          token: await issueOneTimeToken(tx, {
            userId: user.id,
            purpose: 'EMAIL_CHANGE',
            sentTo: newEmail,
            payload: { newEmail },
          }),
        }),
        userId: user.id,
      })
      if (!queued) return
      // a customer event: a staff member's request is no one's to hear until it changes the row (STAFF_UPDATED)
      if (!user.isStaff)
        await emitWebhookEvent(tx, {
          event: 'ACCOUNT_CHANGE_EMAIL_REQUESTED',
          payload: { user: userWebhookPayload(user), newEmail, redirectUrl, channel: channel?.slug ?? null },
        })
    })
  })
  kickOutbox()
  kickWebhooks()
}

/** Finish an email change with the token mailed to the new address; tell the old address. */
export async function confirmEmailChange(context: Context, args: { userId: string; token: string }): Promise<void> {
  await context.transaction(async tx => {
    const { payload } = await redeemOneTimeToken(tx, {
      token: args.token,
      purpose: 'EMAIL_CHANGE',
      userId: args.userId,
    })
    if (!payload.newEmail)
      throw new DomainError({ field: 'token', code: 'INVALID', message: 'The token is invalid or has expired.' })
    // normalised again: a link issued before the rules changed carries the form of its day
    const columns = emailColumns(payload.newEmail)
    const newEmail = columns.email
    if (!isValidEmail(newEmail))
      throw new DomainError({ field: 'newEmail', code: 'INVALID', message: 'Enter a valid email address.' })
    const taken = () =>
      new DomainError({ field: 'newEmail', code: 'UNIQUE', message: 'User with this email already exists.' })
    if (await findEmailHolder(tx, newEmail, { exceptUserId: args.userId })) throw taken()
    const before = await tx.prisma.user.findUniqueOrThrow({ where: { id: args.userId } })
    // the link went to the new address: redeeming it proves that mailbox, written with the email itself
    const changed = await tx.prisma.user
      .update({
        where: { id: args.userId },
        data: {
          ...columns,
          ...NO_PROOF,
          ...redeemedProof('EMAIL_CHANGE', payload, newEmail),
          ...columnsThatEndSessions(),
        },
      })
      .catch((error: unknown) => {
        // a registration of the address, or of one like it, committed in between
        throw isTakenEmailViolation(error) ? taken() : error
      })
    await enqueueMail(tx, {
      to: before.email,
      template: 'EMAIL_CHANGED',
      params: { email: before.email, oldEmail: before.email, newEmail, firstName: before.firstName },
      userId: args.userId,
    })
    await afterUserChange(tx, {
      before,
      after: changed,
      actorId: args.userId,
      cause: 'emailChange',
      events: [{ type: 'EMAIL_CHANGED', parameters: { old_email: before.email, new_email: newEmail } }],
      // by the role the user has: ACCOUNT_* events carry customers only
      webhook: {
        event: changed.isStaff ? 'STAFF_UPDATED' : 'ACCOUNT_EMAIL_CHANGED',
        extra: { oldEmail: before.email },
      },
    })
  })
  kickOutbox()
  kickWebhooks()
}

/** Mail a deletion link to a customer; staff accounts are removed by other staff, not by themselves. */
export async function requestAccountDeletion(
  context: Context,
  args: { userId: string; redirectUrl: string; channel?: string | null },
): Promise<void> {
  const redirectUrl = assertAllowedRedirectUrl(args.redirectUrl)
  const channel = await resolveChannel(context, args.channel)
  const user = await context.prisma.user.findUniqueOrThrow({ where: { id: args.userId } })
  assertNotStaff(user)
  await context.transaction(async tx => {
    const token = await issueOneTimeToken(tx, { userId: user.id, purpose: 'ACCOUNT_DELETION', sentTo: user.email })
    await enqueueMail(tx, {
      to: user.email,
      template: 'ACCOUNT_DELETION',
      params: { email: user.email, firstName: user.firstName, redirectUrl, shopName: channel?.name },
      secrets: { token },
      userId: user.id,
    })
    await recordAccountEvent(tx, { type: 'ACCOUNT_DELETION_REQUESTED', userId: user.id, actorId: user.id })
    await emitWebhookEvent(tx, {
      event: 'ACCOUNT_DELETE_REQUESTED',
      payload: { user: userWebhookPayload(user), redirectUrl, channel: channel?.slug ?? null },
    })
  })
  kickOutbox()
  kickWebhooks()
}

/** Delete the signed-in customer's account with the token from the deletion mail. */
export async function deleteAccount(context: Context, args: { userId: string; token: string }): Promise<void> {
  const user = await context.prisma.user.findUniqueOrThrow({ where: { id: args.userId } })
  assertNotStaff(user)
  await context.transaction(async tx => {
    await redeemOneTimeToken(tx, { token: args.token, purpose: 'ACCOUNT_DELETION', userId: user.id })
    // no acting user: it is the one being removed; its listeners hear ACCOUNT_DELETED, not CUSTOMER_DELETED
    await removeUser(tx, user, { actorId: null, webhook: 'ACCOUNT_DELETED' })
  })
  kickWebhooks()
}

function assertNotStaff(user: { isStaff: boolean }): void {
  if (user.isStaff)
    throw new DomainError({
      field: null,
      code: 'DELETE_STAFF_ACCOUNT',
      message: 'Staff accounts are deleted by other staff.',
    })
}
