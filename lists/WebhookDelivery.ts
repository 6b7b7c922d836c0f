// The WebhookDelivery list: one row per event per subscribed webhook, written in the same
// transaction as the change and delivered after commit by services/messaging/webhooks.ts, with its log.
// Read with MANAGE_APPS, each row only by staff who may read the people its event carries.
import { list } from '@keystone-6/core'
import { integer, json, relationship, select, text, timestamp } from '@keystone-6/core/fields'
import type { Lists } from '../generated/keystone/types'
import { canManageApps, deny } from '../access/permissions'
import { readableWebhookDeliveries } from '../access/rules'
import { WEBHOOK_EVENTS } from '../services/messaging'
import { DELIVERY_STATUSES } from '../services/messaging'

export const WebhookDelivery: Lists.WebhookDelivery = list({
  access: {
    operation: { query: canManageApps, create: deny, update: deny, delete: deny },
    // only deliveries of the events the caller may subscribe to: their payloads carry people
    filter: { query: readableWebhookDeliveries },
  },
  // the list refuses every write: its page shows the fields read-only rather than as a form that fails
  fieldDefaults: { ui: { itemView: { fieldMode: 'read' } } },
  ui: {
    hideNavigation: args => !canManageApps(args),
    hideCreate: true,
    hideDelete: true,
    labelField: 'event',
    listView: {
      initialColumns: ['createdAt', 'webhook', 'event', 'status', 'attempts', 'lastStatusCode', 'deliveredAt'],
      initialSort: { field: 'createdAt', direction: 'DESC' },
    },
  },
  fields: {
    webhook: relationship({ ref: 'Webhook.deliveries', ui: { itemView: { fieldMode: 'read' } } }),
    event: select({ type: 'string', options: [...WEBHOOK_EVENTS], validation: { isRequired: true } }),
    // the exact JSON body that is signed and sent; never a hash, a token or private metadata
    payload: text({ ui: { displayMode: 'textarea' } }),
    status: select({
      type: 'string',
      options: [...DELIVERY_STATUSES],
      defaultValue: 'pending',
      validation: { isRequired: true },
      isIndexed: true,
    }),
    attempts: integer({ defaultValue: 0, validation: { isRequired: true } }),
    nextAttemptAt: timestamp({ defaultValue: { kind: 'now' }, isIndexed: true }),
    lockedUntil: timestamp({ db: { isNullable: true } }),
    lastStatusCode: integer(),
    lastError: text({ ui: { displayMode: 'textarea' } }),
    createdAt: timestamp({ defaultValue: { kind: 'now' } }),
    deliveredAt: timestamp(),
    log: json({ defaultValue: [] }),
  },
})
