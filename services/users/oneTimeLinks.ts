// Mail a user a one-time link (Saleor's account/notifications.py): for each kind of link, its
// token, its mail, its account event and its webhook, decided here once for every path that sends
// one (registration and the confirmation staff resend, a reset asked for by anyone or sent by
// staff, the invites of customers and staff, an email change, a deletion). The token is issued only
// once the mail will go, with the address it went to and who asked: a quiet request (the outbox's
// rule) neither mails nor cancels the live link, and records and announces nothing.
import type { Context } from '../../generated/keystone/types'
import { issueOneTimeToken, type TokenPurpose } from '../identity'
import { lockUser } from '../kernel'
import { emitWebhookEvent, enqueueMail, userWebhookPayload, type MailTemplate, type WebhookEvent } from '../messaging'
import { recordAccountEvent, type AccountEventType } from './accountEvents'
import type { UserRow } from './afterUserChange'

/** Who asked for the link: the user itself (or anyone who knows its email), or a member of staff. */
export type LinkRequester = 'self' | 'staff'

type LinkUser = Pick<UserRow, 'id' | 'email' | 'firstName' | 'isStaff'> & Partial<UserRow>

type LinkKind = {
  template: (user: LinkUser) => MailTemplate
  // what the link's sending is recorded as, when it is news of its own (a registration's link is
  // part of ACCOUNT_CREATED, an email change's request is recorded whether or not a link goes)
  event: (requestedBy: LinkRequester) => AccountEventType | null
  // the listeners' event, by the role the user has at this moment: ACCOUNT_* events carry customers only
  webhook: (user: LinkUser) => WebhookEvent | null
}

const LINKS: Record<TokenPurpose, LinkKind> = {
  ACCOUNT_CONFIRMATION: {
    template: () => 'ACCOUNT_CONFIRMATION',
    event: requestedBy => (requestedBy === 'staff' ? 'ACCOUNT_CONFIRMATION_RESENT' : null),
    webhook: user => (user.isStaff ? null : 'ACCOUNT_CONFIRMATION_REQUESTED'),
  },
  PASSWORD_RESET: {
    template: user => (user.isStaff ? 'STAFF_SET_PASSWORD' : 'PASSWORD_RESET'),
    event: () => 'PASSWORD_RESET_LINK_SENT',
    webhook: user => (user.isStaff ? 'STAFF_SET_PASSWORD_REQUESTED' : 'ACCOUNT_SET_PASSWORD_REQUESTED'),
  },
  EMAIL_CHANGE: {
    template: () => 'EMAIL_CHANGE_CONFIRMATION',
    event: () => null,
    // a staff member's request is no one's to hear until it changes the row (STAFF_UPDATED)
    webhook: user => (user.isStaff ? null : 'ACCOUNT_CHANGE_EMAIL_REQUESTED'),
  },
  ACCOUNT_DELETION: {
    template: () => 'ACCOUNT_DELETION',
    event: () => 'ACCOUNT_DELETION_REQUESTED',
    webhook: () => 'ACCOUNT_DELETE_REQUESTED',
  },
}

export type OneTimeLink = {
  user: LinkUser
  purpose: TokenPurpose
  redirectUrl: string
  /** The channel the mail names and the webhook carries (the default one when the caller named none). */
  channel: { slug: string; name: string } | null
  requestedBy: LinkRequester
  actorId: string | null
  /** An email change's new address: the link goes there, and is good only for it. */
  newEmail?: string
}

/**
 * Mail `user` a one-time link for `purpose`, in `tx`, with its event and webhook. Answers false,
 * having written nothing, within the recipient's quiet period for links of this kind and requester.
 */
export async function mailOneTimeLink(tx: Context, link: OneTimeLink): Promise<boolean> {
  const { user, purpose, redirectUrl, channel, requestedBy, newEmail } = link
  const kind = LINKS[purpose]
  const to = newEmail ?? user.email
  // before the quiet period's row and the old token's: a redemption of the user's link takes it first too
  await lockUser(tx, user.id)
  const queued = await enqueueMail(tx, {
    to,
    template: kind.template(user),
    params: {
      email: to,
      firstName: user.firstName,
      redirectUrl,
      shopName: channel?.name,
      ...(newEmail ? { oldEmail: user.email, newEmail } : {}),
    },
    secrets: async () => ({
      token: await issueOneTimeToken(tx, {
        userId: user.id,
        purpose,
        sentTo: to,
        payload: { source: requestedBy, ...(newEmail ? { newEmail } : {}) },
      }),
    }),
    userId: user.id,
    requestedBy: requestedBy === 'staff' ? 'staff' : 'anyone',
  })
  if (!queued) return false
  const event = kind.event(requestedBy)
  if (event) await recordAccountEvent(tx, { type: event, userId: user.id, actorId: link.actorId })
  const webhook = kind.webhook(user)
  if (webhook)
    await emitWebhookEvent(tx, {
      event: webhook,
      payload: {
        user: userWebhookPayload(user),
        ...(newEmail ? { newEmail } : {}),
        redirectUrl,
        channel: channel?.slug ?? null,
      },
    })
  return true
}
