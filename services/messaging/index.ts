// What leaves the building: the mail outbox and its templates, webhooks and their delivery queue, channels, sealing of secrets, outbound address checks, redirect URLs, per-IP request limits. Imports kernel.
// This file is the module's whole surface: code outside services/messaging/ imports from here only.
export { resolveChannel } from './channels'
export type { ChannelRef } from './channels'
export { MAIL_TEMPLATES } from './mailTemplates'
export type { MailRequester, MailTemplate } from './mailTemplates'
export { MAIL_STATUSES, endQuietPeriod, enqueueMail, kickOutbox, startOutboxWorker } from './outbox'
export { CHALLENGE_REQUEST_LIMIT, assertAccountRequestAllowed, assertChallengeRequestAllowed } from './rateLimits'
export { assertAllowedRedirectUrl } from './redirectUrl'
export { WEBHOOK_EVENTS, webhookEventPermissions, webhookEventsWithin } from './webhookEvents'
export type { WebhookEvent, WebhookPermission } from './webhookEvents'
export { assertSafeWebhookTarget, assertSafeWebhookUrl } from './webhookUrl'
export {
  DELIVERY_STATUSES,
  assertWebhookChangeAllowed,
  emitWebhookEvent,
  kickWebhooks,
  sanitizeForWebhook,
  startWebhookWorker,
  userWebhookPayload,
} from './webhooks'
export { startPolling } from './deliveryQueue'
