// The RecoveryCode list: a user's ten TOTP recovery codes (API.md §9), each stored only as a
// SHA-256 of its normalised form, by services/identity/recoveryCodes.ts. A code is spent by one
// conditional write. Not in the API: users see how many are left (`me { recoveryCodesLeft }`).
import { list } from '@keystone-6/core'
import { relationship, text, timestamp } from '@keystone-6/core/fields'
import type { Lists } from '../generated/keystone/types'
import { deny } from '../access/permissions'

export const RecoveryCode: Lists.RecoveryCode = list({
  access: { operation: { query: deny, create: deny, update: deny, delete: deny } },
  graphql: { omit: true },
  ui: { hideNavigation: true },
  fields: {
    user: relationship({ ref: 'User' }),
    codeHash: text({ isIndexed: true, validation: { isRequired: true } }),
    createdAt: timestamp({ defaultValue: { kind: 'now' }, validation: { isRequired: true } }),
    usedAt: timestamp(),
  },
})
