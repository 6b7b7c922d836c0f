// tokenVerify: whether an access token is valid now (signature, expiry, not revoked), with its claims.
// Access: anyone. Effects: none. Twin: none.
import type { BaseSchemaMeta } from '@keystone-6/core/graphql-ts'
import { g, type ArgsOf } from '../shared/g'
import { errorsField, withErrorsList } from '../shared/errors'
import type { FieldError } from '../../services/kernel'
import type { JSONValue } from '@keystone-6/core/types'
import { userField } from '../shared/payloads'
import { verifyAccessToken } from '../../services/identity'

export const tokenVerify = (base: BaseSchemaMeta) => {
  const args = { token: g.arg({ type: g.nonNull(g.String) }) }
  return g.field({
    type: g.object<{ isValid?: boolean; payload?: JSONValue; userId?: string; errors?: FieldError[] }>()({
      name: 'TokenVerifyPayload',
      fields: {
        isValid: g.field({ type: g.nonNull(g.Boolean), resolve: ({ isValid }) => isValid === true }),
        payload: g.field({ type: g.JSON, resolve: ({ payload }) => payload ?? null }),
        user: userField(base),
        errors: errorsField(),
      },
    }),
    args,
    resolve: withErrorsList(async ({ token }: ArgsOf<typeof args>, context) => {
      const { userId, claims } = await verifyAccessToken(context.sudo(), token)
      // the token key is a revocation handle, not something a client needs to see
      const { token: _key, ...payload } = claims
      return { isValid: true, payload: payload as JSONValue, userId }
    }),
  })
}
