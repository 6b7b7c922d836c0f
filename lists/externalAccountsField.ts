// The `externalAccounts` field of a User (API.md §10): the identities at OpenID Connect providers
// linked to the user (services/accounts/external/externalAccountsOf.ts), for the user itself. Resolved only
// when asked for: `me` without it reads nothing more.
import { gWithContext } from '@keystone-6/core'
import { virtual } from '@keystone-6/core/fields'
import type { Context, Lists } from '../generated/keystone/types'
import type { Session } from '../services/identity'
import { isSelf } from '../access/fields'
import { externalAccountsOf } from '../services/accounts'

const g = gWithContext<Context>()

export const ExternalAccountType = g.object<{ provider: string; subject: string; createdAt: Date }>()({
  name: 'UserExternalAccount',
  description: 'An identity at an OpenID Connect provider that signs this user in.',
  fields: {
    provider: g.field({ type: g.nonNull(g.String), description: 'The provider’s id in OIDC_PROVIDERS.' }),
    subject: g.field({ type: g.nonNull(g.String), description: 'The user’s `sub` at that provider.' }),
    createdAt: g.field({ type: g.nonNull(g.DateTime) }),
  },
})

export const externalAccountsFields = {
  externalAccounts: virtual<Lists.User.TypeInfo<Session>>({
    access: { read: isSelf },
    field: g.field({
      type: g.list(g.nonNull(ExternalAccountType)),
      description: 'The identities at OpenID Connect providers linked to this account, the oldest first.',
      resolve: (item, _args, context) => externalAccountsOf(context, String(item.id)),
    }),
    ui: {
      createView: { fieldMode: 'hidden' },
      itemView: { fieldMode: 'hidden' },
      listView: { fieldMode: 'hidden' },
      query: '{ provider subject createdAt }',
    },
  }),
}
