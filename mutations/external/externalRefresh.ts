// externalRefresh (Saleor): a new access token for a provider session's refresh token, `input` JSON
// `{ "refreshToken" }` (or none: the http-only cookie with `{ "csrfToken" }`), rotating exactly as
// tokenRefresh does (mutations/shared/refresh.ts: answerRefresh).
// Access: anyone holding a refresh token of a live session. Effects: as tokenRefresh. Twin: tokenRefresh.
import type { BaseSchemaMeta } from '@keystone-6/core/graphql-ts'
import { g, type ArgsOf } from '../shared/g'
import { errorsField, withErrorsList, type WithErrors } from '../shared/errors'
import { userField, signedInFields } from '../shared/payloads'
import { answerRefresh, type RefreshAnswer } from '../shared/refresh'
import { JSONString, inputFields } from '../shared/jsonString'
import { oidcProviderOf } from '../../services/identity'

const optionalString = (value: unknown) => (typeof value === 'string' && value !== '' ? value : null)

export const externalRefresh = (base: BaseSchemaMeta) => {
  const args = {
    pluginId: g.arg({ type: g.nonNull(g.String) }),
    input: g.arg({ type: g.nonNull(JSONString), description: '{ "refreshToken": "…" }' }),
  }
  return g.field({
    type: g.object<RefreshAnswer & WithErrors>()({
      name: 'ExternalRefresh',
      fields: { ...signedInFields(), user: userField(base), errors: errorsField() },
    }),
    args,
    resolve: (root, given: ArgsOf<typeof args>, context, info) =>
      withErrorsList(async ({ pluginId, input }: ArgsOf<typeof args>) => {
        oidcProviderOf(pluginId)
        const fields = inputFields(input)
        return answerRefresh(context, info, {
          refreshToken: optionalString(fields.refreshToken),
          csrfToken: optionalString(fields.csrfToken),
        })
      })(root, given, context),
  })
}
