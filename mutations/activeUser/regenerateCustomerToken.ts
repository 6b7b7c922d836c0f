// regenerateCustomerToken (Openfront): a new customer API token, shown once; the previous one
// stops working. It authenticates as `Authorization: Bearer` with customer scope only.
// Access: a signed-in customer, not through a customer API token. Effects: replaces the stored hash, only while the caller's session is alive (services/identity/customerTokens.ts). Twin: none.
import { g } from '../shared/g'
import { withThrownErrors } from '../shared/errors'
import { requireCredentialSession } from '../shared/guards'
import { regenerateCustomerToken as regenerate } from '../../services/identity'

export const regenerateCustomerToken = g.field({
  type: g.object<{ success: boolean; token: string }>()({
    name: 'RegenerateCustomerTokenPayload',
    fields: {
      success: g.field({ type: g.nonNull(g.Boolean) }),
      token: g.field({ type: g.String, description: 'Shown this once; only its hash is kept.' }),
    },
  }),
  resolve: withThrownErrors(async (_args: object, context) => {
    const token = await regenerate(context.sudo(), requireCredentialSession(context), {
      sessionId: context.session?.sessionId,
    })
    return { success: true, token }
  }),
})
