// The `sessions` field of a User (API.md §9): the user's live sign-in sessions, for the user itself
// and for the staff who manage it (services/accounts/sessions.ts: reachesSessionsOf, the staff scope
// rules' one entry point). Declared readable by the user and its managers (isSelfOrManager); the
// scope rules then decide for staff targets, and a user out of reach reads as null. On the user's
// page in the Admin UI it is a table with "Sign out this session" (admin/views/sessions.tsx).
import { gWithContext } from '@keystone-6/core'
import { virtual } from '@keystone-6/core/fields'
import type { Context, Lists } from '../generated/keystone/types'
import type { Session } from '../services/identity'
import { isSelfOrManager } from '../access/fields'
import { sessionsOf, type SessionListing } from '../services/accounts'
import { MAX_LISTED_SESSIONS } from '../services/identity'

const g = gWithContext<Context>()

export const UserSessionType = g.object<SessionListing>()({
  name: 'UserSession',
  description: 'A live sign-in session: one per sign-in, ended by sessionRevoke or a credential change.',
  fields: {
    id: g.field({ type: g.nonNull(g.ID) }),
    current: g.field({
      type: g.nonNull(g.Boolean),
      description: 'Whether the request was made with this session.',
    }),
    createdAt: g.field({ type: g.nonNull(g.DateTime) }),
    lastUsedAt: g.field({ type: g.DateTime, description: 'Recorded at most once a minute.' }),
    expiresAt: g.field({ type: g.nonNull(g.DateTime) }),
    ip: g.field({ type: g.nonNull(g.String), description: 'The client IP as the sign-in throttle reads it.' }),
    userAgent: g.field({ type: g.nonNull(g.String), description: 'As sent, cut to 512 characters.' }),
    amr: g.field({
      type: g.nonNull(g.list(g.nonNull(g.String))),
      description: 'How it signed in (RFC 8176): pwd, otp, hwk, mfa; ext (an identity provider), imp (impersonation).',
    }),
  },
})

export const sessionsField = virtual<Lists.User.TypeInfo<Session>>({
  access: { read: isSelfOrManager },
  field: g.field({
    type: g.list(g.nonNull(UserSessionType)),
    description: `The live sessions, the most recently used first, at most ${MAX_LISTED_SESSIONS}.`,
    resolve: (item, _args, context) => sessionsOf(context, context.session, String(item.id)),
  }),
  ui: {
    createView: { fieldMode: 'hidden' },
    itemView: { fieldMode: 'read' },
    listView: { fieldMode: 'hidden' },
    label: 'Sessions',
    description: `Where the user is signed in now, the most recently used first (at most ${MAX_LISTED_SESSIONS})`,
    views: './admin/views/sessions',
    query: '{ id current createdAt lastUsedAt expiresAt ip userAgent amr }',
  },
})
