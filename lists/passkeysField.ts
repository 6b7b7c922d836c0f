// The `passkeys` field of a User (API.md §9): the user's passkeys (name, when made, when last used;
// never a key or a credential id), for the user itself and the staff who manage it (the rule that
// reaches its sessions, services/accounts/passkeys.ts: passkeysOf); a user out of reach reads as
// null. Spread into the "Sign-in and security" group of lists/User.ts. Not shown in the Admin UI here.
import { gWithContext } from '@keystone-6/core'
import { virtual } from '@keystone-6/core/fields'
import type { Context, Lists } from '../generated/keystone/types'
import type { PasskeyView, Session } from '../services/identity'
import { isSelfOrManager } from '../access/fields'
import { passkeysOf } from '../services/accounts'

const g = gWithContext<Context>()

export const PasskeyType = g.object<PasskeyView>()({
  name: 'Passkey',
  description: 'A WebAuthn credential that signs its user in without a password (two factors).',
  fields: {
    id: g.field({ type: g.nonNull(g.ID) }),
    name: g.field({ type: g.nonNull(g.String) }),
    createdAt: g.field({ type: g.nonNull(g.DateTime) }),
    lastUsedAt: g.field({ type: g.DateTime, description: 'When it last signed in; null if never.' }),
  },
})

export const passkeyFields = {
  passkeys: virtual<Lists.User.TypeInfo<Session>>({
    access: { read: isSelfOrManager },
    field: g.field({
      type: g.list(g.nonNull(PasskeyType)),
      description: 'The passkeys, the most recently added first.',
      resolve: (item, _args, context) => passkeysOf(context, context.session, String(item.id)),
    }),
    ui: {
      createView: { fieldMode: 'hidden' },
      itemView: { fieldMode: 'hidden' },
      listView: { fieldMode: 'hidden' },
      query: '{ id name createdAt lastUsedAt }',
    },
  }),
}
