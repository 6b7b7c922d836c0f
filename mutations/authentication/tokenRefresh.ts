// tokenRefresh: a new access token for a refresh token given as an argument, or read from the
// http-only cookie together with its CSRF token.
// Access: anyone holding a refresh token. Effects: none. Twin: none.
import type { BaseSchemaMeta } from '@keystone-6/core/graphql-ts'
import { g, type ArgsOf } from '../shared/g'
import { errorsField, withErrorsList } from '../shared/errors'
import type { FieldError } from '../../services/kernel'
import { readRefreshCookie } from '../shared/request'
import { userField } from '../shared/payloads'
import { refreshAccessToken } from '../../services/identity'

export const tokenRefresh = (base: BaseSchemaMeta) => {
  const args = {
    refreshToken: g.arg({ type: g.String }),
    csrfToken: g.arg({ type: g.String }),
  }
  return g.field({
    type: g.object<{ token?: string; userId?: string; errors?: FieldError[] }>()({
      name: 'TokenRefreshPayload',
      fields: {
        token: g.field({ type: g.String }),
        user: userField(base),
        errors: errorsField(),
      },
    }),
    args,
    resolve: withErrorsList(async ({ refreshToken, csrfToken }: ArgsOf<typeof args>, context) => {
      // an explicit argument needs no CSRF token: a cross-site page cannot read it to send it
      const fromCookie = !refreshToken
      const result = await refreshAccessToken(context.sudo(), {
        refreshToken: refreshToken ?? readRefreshCookie(context),
        csrfToken: csrfToken ?? undefined,
        fromCookie,
      })
      return { token: result.accessToken, userId: result.userId }
    }),
  })
}
