// The OneTimeToken list: confirmation, reset, email-change and deletion tokens. Only a SHA-256
// of each token is stored; services/identity/oneTimeTokens.ts owns issuing and redeeming them. Not in the
// API at all: no actor reads or writes a token except through the flows that redeem it.
import { list } from '@keystone-6/core'
import { json, relationship, select, text, timestamp } from '@keystone-6/core/fields'
import type { Lists } from '../generated/keystone/types'
import { deny } from '../access/permissions'
import { TOKEN_PURPOSES } from '../services/identity'

export const OneTimeToken: Lists.OneTimeToken = list({
  access: { operation: { query: deny, create: deny, update: deny, delete: deny } },
  graphql: { omit: true },
  ui: { hideNavigation: true },
  fields: {
    tokenHash: text({ isIndexed: 'unique', validation: { isRequired: true } }),
    purpose: select({ type: 'string', options: [...TOKEN_PURPOSES], validation: { isRequired: true } }),
    user: relationship({ ref: 'User' }),
    // purpose-specific data that must not travel in the link, e.g. the new email address
    payload: json({ defaultValue: {} }),
    createdAt: timestamp({ defaultValue: { kind: 'now' } }),
    expiresAt: timestamp({ validation: { isRequired: true } }),
    usedAt: timestamp(),
  },
})
