// The Webhook list: subscriptions of apps to account events, managed with MANAGE_APPS. The
// signing secret is write-only: sealed at rest (it must be recovered to sign), never read back.
import { list } from '@keystone-6/core'
import { checkbox, multiselect, relationship, text } from '@keystone-6/core/fields'
import type { Lists } from '../generated/keystone/types'
import { canManageApps } from '../access/permissions'
import { sealSecrets } from '../services/messaging'
import { assertSafeWebhookTarget } from '../services/messaging'
import { WEBHOOK_EVENTS } from '../services/messaging'
import { reportDomainErrors } from './hooks/domainErrors'

export const Webhook: Lists.Webhook = list({
  access: {
    operation: { query: canManageApps, create: canManageApps, update: canManageApps, delete: canManageApps },
  },
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
