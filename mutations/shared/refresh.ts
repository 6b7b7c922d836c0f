// The answer of a refresh (tokenRefresh, externalRefresh): a refresh token given, or read from the
// http-only cookie with its CSRF token; it rotates when it came from the cookie or the request
// selects `refreshToken` (API.md §9), through the one refresh service (services/accounts refreshTokens).
import type { GraphQLResolveInfo } from 'graphql'
import type { Context } from './g'
import { readRefreshCookie, setRefreshCookie } from './request'
import { selects } from './selection'
import { refreshTokens } from '../../services/accounts'

export type RefreshAnswer = {
  token?: string
  refreshToken?: string
  csrfToken?: string
  userId?: string
  sessionId?: string
}

export async function answerRefresh(
  context: Context,
  info: GraphQLResolveInfo,
  given: { refreshToken?: string | null; csrfToken?: string | null },
): Promise<RefreshAnswer> {
  // an explicit argument needs no CSRF token: a cross-site page cannot read it to send it
  const fromCookie = !given.refreshToken
  const refreshed = await refreshTokens(context, {
    refreshToken: given.refreshToken ?? readRefreshCookie(context),
    csrfToken: given.csrfToken ?? undefined,
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
}
