// The AuthChallenge list: the short-lived, single-use challenges of the sign-ins that take more
// than one request (API.md §9): a password sign-in waiting for its second factor, and the WebAuthn
// challenges of a passkey registration or sign-in. Only a SHA-256 of each challenge is stored;
// services/identity/challenges.ts owns issuing, failing and spending them. Not in the API.
import { list } from '@keystone-6/core'
import { integer, json, relationship, select, text, timestamp } from '@keystone-6/core/fields'
import type { Lists } from '../generated/keystone/types'
import { deny } from '../access/permissions'
import { CHALLENGE_PURPOSES } from '../services/identity'

export const AuthChallenge: Lists.AuthChallenge = list({
  access: { operation: { query: deny, create: deny, update: deny, delete: deny } },
  graphql: { omit: true },
  ui: { hideNavigation: true },
  fields: {
    challengeHash: text({ isIndexed: 'unique', validation: { isRequired: true } }),
    purpose: select({ type: 'string', options: [...CHALLENGE_PURPOSES], validation: { isRequired: true } }),
    // whom it belongs to; none for a passkey sign-in that names no email (a discoverable credential)
    user: relationship({ ref: 'User' }),
    // purpose-specific state that never travels to the client (the sign-in's client, the proven row)
    payload: json({ defaultValue: {} }),
    failures: integer({ defaultValue: 0, validation: { isRequired: true } }),
    createdAt: timestamp({ defaultValue: { kind: 'now' }, validation: { isRequired: true } }),
    expiresAt: timestamp({ validation: { isRequired: true }, isIndexed: true }),
    usedAt: timestamp(),
  },
})
