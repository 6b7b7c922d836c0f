// The OutboxMail list: every mail, written in the same transaction as the change that causes it
// and delivered after commit by services/messaging/outbox.ts. Staff see the queue; nobody sees a token.
import { list } from '@keystone-6/core'
import { integer, relationship, select, text, timestamp, json } from '@keystone-6/core/fields'
import type { Lists } from '../generated/keystone/types'
import { canManageUsersOrStaff, deny } from '../access/permissions'
import { secret } from '../access/fields'
import { readableOutboxMails } from '../access/rules'
import { MAIL_TEMPLATES } from '../services/messaging'
import { MAIL_STATUSES } from '../services/messaging'

export const OutboxMail: Lists.OutboxMail = list({
  access: {
    operation: { query: canManageUsersOrStaff, create: deny, update: deny, delete: deny },
    filter: { query: readableOutboxMails },
  },
  // the list refuses every write: its page shows the fields read-only rather than as a form that fails
  fieldDefaults: { ui: { itemView: { fieldMode: 'read' } } },
  ui: {
    hideNavigation: args => !canManageUsersOrStaff(args),
    hideCreate: true,
    hideDelete: true,
    labelField: 'subject',
    searchFields: ['to', 'subject'],
    listView: {
      initialColumns: ['createdAt', 'to', 'template', 'status', 'lastError'],
      initialSort: { field: 'createdAt', direction: 'DESC' },
    },
  },
  fields: {
    to: text({ validation: { isRequired: true }, isIndexed: true }),
    subject: text({ validation: { isRequired: true } }),
    template: select({ type: 'string', options: [...MAIL_TEMPLATES], validation: { isRequired: true } }),
    // what the template needs that is no secret (names, addresses)
    params: json({ defaultValue: {} }),
    // one-time tokens for the links, sealed with a key derived from SESSION_SECRET
    sealedSecrets: text({ ...secret, db: { isNullable: true } }),
    user: relationship({ ref: 'User', ui: { itemView: { fieldMode: 'read' } } }),
    status: select({
      type: 'string',
      options: [...MAIL_STATUSES],
      defaultValue: 'pending',
      validation: { isRequired: true },
      isIndexed: true,
    }),
    attempts: integer({ defaultValue: 0, validation: { isRequired: true } }),
    nextAttemptAt: timestamp({ defaultValue: { kind: 'now' }, isIndexed: true }),
    lockedUntil: timestamp({ db: { isNullable: true } }),
    lastError: text({ ui: { displayMode: 'textarea' } }),
    messageId: text(),
    createdAt: timestamp({ defaultValue: { kind: 'now' } }),
    sentAt: timestamp(),
  },
})
