// The second factor of a User as staff and the user see it (API.md §9): `secondFactorEnabled`,
// whether TOTP is enabled or a passkey registered, readable by the user and the staff who manage
// it; never the secret, the codes or the keys. On the user's page in the Admin UI it is the
// "Security" area (admin/views/security.tsx): on one's own page, enrolling and managing TOTP,
// recovery codes and passkeys; on another user's, whether a second factor is on (the reset is the
// "Reset second factor" action, lists/userActions.ts).
import { gWithContext } from '@keystone-6/core'
import { virtual } from '@keystone-6/core/fields'
import type { Context, Lists } from '../generated/keystone/types'
import type { Session } from '../services/identity'
import { isSelfOrManager } from '../access/fields'

const g = gWithContext<Context>()

export const secondFactorFields = {
  secondFactorEnabled: virtual<Lists.User.TypeInfo<Session>>({
    access: { read: isSelfOrManager },
    field: g.field({
      type: g.nonNull(g.Boolean),
      description: 'Whether the user signs in with a second factor: TOTP enabled, or a passkey.',
      async resolve(item, _args, context) {
        if (item.totpEnabledAt) return true
        return (await context.sudo().prisma.passkeyCredential.count({ where: { userId: String(item.id) } })) > 0
      },
    }),
    ui: {
      createView: { fieldMode: 'hidden' },
      itemView: { fieldMode: 'read' },
      listView: { fieldMode: 'hidden' },
      label: 'Security',
      description: 'Two-step sign-in: an authenticator app (TOTP) with recovery codes, or passkeys',
      views: './admin/views/security',
    },
  }),
}
