// The AuthSession list: one row per sign-in (API.md §9), whatever the way in (tokenCreate,
// setPassword, the Admin UI, and the second-factor, passkey and external sign-ins to come), made by
// services/identity/userSessions.ts: startSession. A session is alive while it is not ended, not
// past expiresAt, and its tokenKey is still its user's (so rotating the key, the one revocation
// every credential change already makes, ends every session at once). Not in the generated API:
// users read and end sessions through `me { sessions }`, `User.sessions`, sessionRevoke and
// sessionsRevokeOthers (services/accounts/sessions.ts), which apply the staff scope rules.
import { list } from '@keystone-6/core'
import { integer, relationship, select, text, timestamp } from '@keystone-6/core/fields'
import type { Lists } from '../generated/keystone/types'
import { deny } from '../access/permissions'
import { SESSION_KINDS } from '../services/identity'

export const AuthSession: Lists.AuthSession = list({
  access: { operation: { query: deny, create: deny, update: deny, delete: deny } },
  graphql: { omit: true },
  ui: { hideNavigation: true },
  fields: {
    user: relationship({ ref: 'User' }),
    // how the client holds it: access and refresh tokens, or the Admin UI's cookie
    kind: select({ type: 'string', options: [...SESSION_KINDS], validation: { isRequired: true } }),
    // the user's token key when it began; a new key (every credential change) ends it
    tokenKey: text({ validation: { isRequired: true } }),
    // RFC 8176 methods, space-separated (`pwd`, `otp mfa pwd`…)
    amr: text({ validation: { isRequired: true } }),
    ip: text(),
    userAgent: text(),
    createdAt: timestamp({ defaultValue: { kind: 'now' }, validation: { isRequired: true } }),
    lastUsedAt: timestamp(),
    // slid by each rotation of the refresh token, never past createdAt + SESSION_MAX_AGE
    expiresAt: timestamp({ validation: { isRequired: true }, isIndexed: true }),
    endedAt: timestamp(),
    // the generation of the one refresh token that is current; rotatedAt when the one before retired
    refreshGeneration: integer({ defaultValue: 0, validation: { isRequired: true } }),
    rotatedAt: timestamp(),
    // an impersonation (amr imp): the id of the staff member acting as the user (the token's `act`)
    actorId: text(),
    // and the staff member's own session it acts from: ending that one ends the impersonation
    actorSessionId: text(),
    // a passkey sign-in (amr hwk): the passkey that began it; removing that passkey ends the session
    passkeyId: text(),
  },
})
