// A User's two-step sign-in as its holder and its managers see it (API.md §9): whether TOTP is on,
// and how many unused recovery codes are left (one count query, run only when the field is asked
// for). The secret itself, pending or enabled, is never a field (lists/User.ts: totpSecret).
import { gWithContext } from '@keystone-6/core'
import { virtual } from '@keystone-6/core/fields'
import type { Context, Lists } from '../generated/keystone/types'
import type { Session } from '../services/identity'
import { isSelfOrManager } from '../access/fields'
import { hasTotpEnabled, recoveryCodesLeft } from '../services/identity'

const g = gWithContext<Context>()

// API fields only: on a user page the Security area shows them to the user itself, and
// secondFactorEnabled (lists/secondFactorFields.ts) tells staff whether a second factor is on
const apiOnly = {
  createView: { fieldMode: 'hidden' as const },
  itemView: { fieldMode: 'hidden' as const },
  listView: { fieldMode: 'hidden' as const },
}

type Item = { id: string | number; totpEnabledAt?: Date | null; totpSecret?: string | null }

export const totpFields = {
  totpEnabled: virtual<Lists.User.TypeInfo<Session>>({
    access: { read: isSelfOrManager },
    ui: { ...apiOnly, label: 'Two-step sign-in (authenticator app)' },
    field: g.field({
      type: g.nonNull(g.Boolean),
      description: 'Whether signing in asks for a code from an authenticator app after the password.',
      resolve: item => {
        const { totpEnabledAt = null, totpSecret = null } = item as Item
        return hasTotpEnabled({ totpEnabledAt, totpSecret })
      },
    }),
  }),
  recoveryCodesLeft: virtual<Lists.User.TypeInfo<Session>>({
    access: { read: isSelfOrManager },
    ui: { ...apiOnly, label: 'Recovery codes left' },
    field: g.field({
      type: g.nonNull(g.Int),
      description: 'How many unused recovery codes the user has (0 without two-step sign-in).',
      resolve: (item, _args, context) => recoveryCodesLeft(context, String(item.id)),
    }),
  }),
}
