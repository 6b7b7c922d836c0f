// The Webhook list: subscriptions of apps to account events, managed with MANAGE_APPS. A webhook
// is managed (created, changed in any field, switched on or off, deleted) only by staff who reach
// every event it has and gets: MANAGE_USERS for customers' events, MANAGE_STAFF for staff's
// (services/messaging/webhookEvents.ts). Its settings, events included, are readable with
// MANAGE_APPS: they name kinds of events, never a person. The signing secret is write-only:
// sealed at rest (it must be recovered to sign), never read back.
import { list } from '@keystone-6/core'
import { checkbox, multiselect, relationship, text } from '@keystone-6/core/fields'
import type { Context, Lists } from '../generated/keystone/types'
import { canManageApps, webhookEventsOf, webhookPermissionsOf } from '../access/permissions'
import { isTrusted } from '../services/kernel'
import { sealSecrets } from '../services/kernel'
import { assertSafeWebhookTarget } from '../services/messaging'
import { assertWebhookChangeAllowed, WEBHOOK_EVENTS } from '../services/messaging'
import { reportDomainErrors } from './hooks/domainErrors'

type AddError = (message: string) => void

// the one check of every write, generated mutations and the Admin UI alike; only the trusted path skips it
async function validateWebhookChange(
  context: Context,
  operation: 'create' | 'update' | 'delete',
  addValidationError: AddError,
  { item, resolvedData }: { item?: { id: string }; resolvedData?: { events?: unknown } },
): Promise<void> {
  if (isTrusted(context)) return
  const holds = webhookPermissionsOf({ session: context.session })
  await reportDomainErrors(
    addValidationError,
    () => assertWebhookChangeAllowed(context, holds, { operation, id: item?.id, events: resolvedData?.events }),
    'code',
  )
}

// the Admin UI shows a webhook the caller cannot manage read-only, rather than as a form that fails
function reachesAllEventsOf(args: { session?: Context['session']; item: { events?: unknown } | null }) {
  const events = Array.isArray(args.item?.events) ? (args.item.events as unknown[]) : []
  const reach: readonly unknown[] = webhookEventsOf(args)
  return events.every(event => reach.includes(event))
}

export const Webhook: Lists.Webhook = list({
  access: {
    operation: { query: canManageApps, create: canManageApps, update: canManageApps, delete: canManageApps },
  },
  hooks: {
    validate: {
      create: ({ resolvedData, context, addValidationError }) =>
        validateWebhookChange(context, 'create', addValidationError, { resolvedData }),
      update: ({ item, resolvedData, context, addValidationError }) =>
        validateWebhookChange(context, 'update', addValidationError, { item, resolvedData }),
      delete: ({ item, context, addValidationError }) =>
        validateWebhookChange(context, 'delete', addValidationError, { item }),
    },
  },
  fieldDefaults: { ui: { itemView: { fieldMode: args => (reachesAllEventsOf(args) ? 'edit' : 'read') } } },
  ui: {
    hideNavigation: args => !canManageApps(args),
    labelField: 'name',
    listView: { initialColumns: ['name', 'targetUrl', 'events', 'isActive'] },
  },
  fields: {
    name: text({ validation: { isRequired: true, length: { max: 255 } } }),
    targetUrl: text({
      validation: { isRequired: true, length: { max: 2048 } },
      hooks: {
        // a delivery is a request from inside our network: never let it be pointed back inside.
        // Where the host resolves is checked here only when DNS answers; the delivery checks it
        // again at connect time, which is what stops a name that changes its answer
        validate: async ({ resolvedData, addValidationError }) => {
          const url = resolvedData?.targetUrl
          if (typeof url !== 'string') return
          await reportDomainErrors(addValidationError, () => assertSafeWebhookTarget(url, 'targetUrl'), {
            prefix: 'targetUrl',
          })
        },
      },
    }),
    // WARNING: write-only. Stored sealed with a key derived from SESSION_SECRET, omitted from every read
    secret: text({
      validation: { isRequired: true, length: { min: 16, max: 255 } },
      graphql: { omit: { read: true } },
      ui: { itemView: { fieldMode: 'hidden' }, listView: { fieldMode: 'hidden' } },
      hooks: {
        resolveInput: ({ resolvedData }) =>
          typeof resolvedData?.secret === 'string'
            ? sealSecrets({ secret: resolvedData.secret })
            : resolvedData?.secret,
      },
    }),
    events: multiselect({ type: 'string', options: [...WEBHOOK_EVENTS], ui: { displayMode: 'checkboxes' } }),
    isActive: checkbox({ defaultValue: true }),
    deliveries: relationship({
      ref: 'WebhookDelivery.webhook',
      many: true,
      ui: { displayMode: 'count', itemView: { fieldMode: 'read' } },
      access: { create: () => false, update: () => false },
    }),
  },
})
