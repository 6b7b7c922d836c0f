// The ExternalAccount list: an identity at an OpenID provider (API.md §10), the pair (provider,
// subject), linked to the one user it signs in. `identity` is that pair as one unique key, so two
// sign-ins of a new subject at once make one link (and one user). Written only by
// services/accounts/external/ (linking and unlinking); users read theirs through
// `me { externalAccounts }`. Not in the generated API.
import { list } from '@keystone-6/core'
import { relationship, text, timestamp } from '@keystone-6/core/fields'
import type { Lists } from '../generated/keystone/types'
import { deny } from '../access/permissions'

export const ExternalAccount: Lists.ExternalAccount = list({
  access: { operation: { query: deny, create: deny, update: deny, delete: deny } },
  graphql: { omit: true },
  ui: { hideNavigation: true },
  fields: {
    user: relationship({ ref: 'User' }),
    // the provider's `id` in OIDC_PROVIDERS
    provider: text({ validation: { isRequired: true } }),
    // the ID token's `sub` at that provider
    subject: text({ validation: { isRequired: true } }),
    // JSON [provider, subject]: one user per identity, by the database
    identity: text({ isIndexed: 'unique', validation: { isRequired: true } }),
    createdAt: timestamp({ defaultValue: { kind: 'now' }, validation: { isRequired: true } }),
    lastSignInAt: timestamp(),
  },
})
