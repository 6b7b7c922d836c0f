// tokenRefresh: a new access token for a refresh token given as an argument, or read from the
// http-only cookie together with its CSRF token; the refresh token rotates when it came from the
// cookie or the request selects `refreshToken` (API.md §9), so Saleor's @saleor/auth-sdk, which
// selects only `token`, keeps its own.
// Access: anyone holding a refresh token of a live session. Effects: where it rotates, the session's next refresh token (and cookie) and a slid expiry; a retired token presented after REFRESH_REUSE_GRACE_SECONDS ends its session, with a REFRESH_TOKEN_REUSED event, mail and webhook (services/accounts/sessions.ts). Twin: none.
import type { BaseSchemaMeta } from '@keystone-6/core/graphql-ts'
import { g, type ArgsOf } from '../shared/g'
import { errorsField, withErrorsList } from '../shared/errors'
import type { FieldError } from '../../services/kernel'
import { readRefreshCookie, setRefreshCookie } from '../shared/request'
import { selects } from '../shared/selection'
import { userField } from '../shared/payloads'
import { refreshTokens } from '../../services/accounts'

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
      withErrorsList(async ({ refreshToken, csrfToken }: ArgsOf<typeof args>) => {
        // an explicit argument needs no CSRF token: a cross-site page cannot read it to send it
        const fromCookie = !refreshToken
        const refreshed = await refreshTokens(context, {
          refreshToken: refreshToken ?? readRefreshCookie(context),
          csrfToken: csrfToken ?? undefined,
          fromCookie,
          rotate: selects(info, 'refreshToken'),
        })
        const rotated = refreshed.rotated
        if (rotated && fromCookie) setRefreshCookie(context, rotated.refreshToken, rotated.expiresAt)
        return {
          token: refreshed.accessToken,
          userId: refreshed.userId,
          sessionId: refreshed.sessionId,
          ...(rotated ? { refreshToken: rotated.refreshToken, csrfToken: rotated.csrfToken } : {}),
        }
      })(root, given, context),
  })
}
