// tokenRefresh: a new access token for a refresh token given as an argument, or read from the
// http-only cookie together with its CSRF token; the refresh token rotates when it came from the
// cookie or the request selects `refreshToken` (API.md §9), so Saleor's @saleor/auth-sdk, which
// selects only `token`, keeps its own.
// Access: anyone holding a refresh token of a live session. Effects: where it rotates, the session's next refresh token (and cookie) and a slid expiry; a retired token presented after REFRESH_REUSE_GRACE_SECONDS ends its session, with a REFRESH_TOKEN_REUSED event, mail and webhook (services/accounts/sessions.ts). Twin: none.
import type { BaseSchemaMeta } from '@keystone-6/core/graphql-ts'
import { g, type ArgsOf } from '../shared/g'
import { errorsField, withErrorsList } from '../shared/errors'
import type { FieldError } from '../../services/kernel'
import { answerRefresh } from '../shared/refresh'
import { userField } from '../shared/payloads'

type Source = {
  token?: string
  refreshToken?: string
  csrfToken?: string
  userId?: string
  sessionId?: string
  errors?: FieldError[]
}

export const tokenRefresh = (base: BaseSchemaMeta) => {
  const args = {
    refreshToken: g.arg({ type: g.String }),
    csrfToken: g.arg({ type: g.String }),
  }
  return g.field({
    type: g.object<Source>()({
      name: 'TokenRefreshPayload',
      fields: {
        token: g.field({ type: g.String }),
        refreshToken: g.field({
          type: g.String,
          description: 'The next refresh token, when the refresh rotated: select it to rotate.',
        }),
        csrfToken: g.field({ type: g.String, description: 'The CSRF token of the rotated refresh token.' }),
        user: userField<Source>(base),
        errors: errorsField<Source>(),
      },
    }),
    args,
    resolve: (root, given: ArgsOf<typeof args>, context, info) =>
      withErrorsList(async ({ refreshToken, csrfToken }: ArgsOf<typeof args>) =>
        answerRefresh(context, info, { refreshToken, csrfToken }),
      )(root, given, context),
  })
}
