// externalVerify (Saleor): whether an access token is valid now, `input` JSON `{ "token" }`;
// `verifyData` its claims as JSON (tokenVerify's service: verifyAccessToken).
// Access: anyone. Effects: none. Twin: tokenVerify.
import type { BaseSchemaMeta } from '@keystone-6/core/graphql-ts'
import { g, type ArgsOf } from '../shared/g'
import { errorsField, withErrorsList, type WithErrors } from '../shared/errors'
import { userField } from '../shared/payloads'
import { JSONString, inputFields } from '../shared/jsonString'
import { oidcProviderOf, verifyAccessToken } from '../../services/identity'

type Source = { isValid?: boolean; verifyData?: unknown; userId?: string } & WithErrors

export const externalVerify = (base: BaseSchemaMeta) => {
  const args = {
    pluginId: g.arg({ type: g.nonNull(g.String) }),
    input: g.arg({ type: g.nonNull(JSONString), description: '{ "token": "…" }' }),
  }
  return g.field({
    type: g.object<Source>()({
      name: 'ExternalVerify',
      fields: {
        user: userField(base),
        isValid: g.field({ type: g.nonNull(g.Boolean), resolve: ({ isValid }) => isValid === true }),
        verifyData: g.field({ type: JSONString, resolve: ({ verifyData }) => verifyData ?? null }),
        errors: errorsField(),
      },
    }),
    args,
    resolve: withErrorsList(async ({ pluginId, input }: ArgsOf<typeof args>, context) => {
      oidcProviderOf(pluginId)
      const { token } = inputFields(input)
      const { userId, claims } = await verifyAccessToken(context.sudo(), typeof token === 'string' ? token : '')
      // the token key is a revocation handle, not something a client needs to see
      const { token: _key, ...verifyData } = claims
      return { isValid: true, verifyData, userId }
    }),
  })
}
