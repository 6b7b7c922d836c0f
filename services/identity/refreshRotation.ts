// Refresh rotation with reuse detection (API.md §9, "Refresh rotation"). A session has one current
// refresh token, named by its generation. tokenRefresh rotates it (the next generation is issued,
// the current one retired) when the token came from the cookie or the request asks for the new
// one; otherwise, as Saleor's @saleor/auth-sdk asks for only `token`, the client keeps its refresh
// token. A retired token presented within REFRESH_REUSE_GRACE_SECONDS of its retirement (the retry
// of a refresh whose answer was lost, a second tab) is answered as its successor was, with the
// successor itself where it rotates: never a second branch. Later, or any older generation, it is
// reuse: someone else holds a copy, and the whole session ends. Two concurrent rotations of one
// token are settled by the database: the one whose conditional update moves the generation wins,
// the other is then within the grace.
import type { Context } from '../../generated/keystone/types'
import { env } from '../../env'
import { DomainError } from '../kernel'
import { csrfTokenOf, issueAccessToken, issueRefreshToken, type TokenUser } from './jwt'
import { isSameSecret } from './sameSecret'
import { REFUSAL_MESSAGES } from './strategies/strategy'
import { goodToken } from './tokens'
import { isSessionAlive, readSessionState, slidExpiry, type SessionState } from './userSessions'

export type RefreshRequest = {
  refreshToken: string | undefined
  csrfToken: string | undefined
  // read from the http-only cookie (then the CSRF token is required, and the token rotates)
  fromCookie: boolean
  // the client asked for the new refresh token (it selected `refreshToken` in the payload)
  rotate: boolean
}

export type Refreshed = {
  userId: string
  sessionId: string
  accessToken: string
  // where the refresh rotated: the refresh token the client holds from now on, and its CSRF token
  rotated?: { refreshToken: string; csrfToken: string; expiresAt: Date }
}

/** A retired refresh token presented after the grace: its session has been ended. */
export type RefreshReuse = { userId: string; sessionId: string; ended: boolean }

export type RefreshOutcome = { ok: true; refreshed: Refreshed } | { ok: false; reuse: RefreshReuse }

/**
 * Exchange a refresh token for a new access token, rotating it where the request says so. A refresh
 * token read from the cookie must come with its CSRF token, or any site could refresh on the user's
 * behalf. Reuse is answered as `{ ok: false }` once the session is ended: the caller records it and
 * refuses the request.
 */
export async function refreshSession(context: Context, request: RefreshRequest): Promise<RefreshOutcome> {
  if (!request.refreshToken)
    throw new DomainError({ field: 'refreshToken', code: 'JWT_MISSING_TOKEN', message: 'Missing refreshToken' })
  const { user, claims, signIn } = await goodToken(
    context,
    { kind: 'refreshToken', token: request.refreshToken },
    'refreshToken',
  )
  if (request.fromCookie && !(request.csrfToken && isSameSecret(request.csrfToken, csrfTokenOf(signIn.id)))) {
    throw new DomainError({ field: 'csrfToken', code: 'JWT_INVALID_CSRF_TOKEN', message: 'Invalid csrf token' })
  }
  const tokenUser: TokenUser = {
    id: user.id,
    email: String(user.item.email),
    isStaff: user.isStaff,
    jwtTokenKey: user.jwtTokenKey,
  }
  return judgeGeneration(context, tokenUser, signIn, Number(claims.gen), request.fromCookie || request.rotate)
}

async function judgeGeneration(
  context: Context,
  user: TokenUser,
  signIn: SessionState,
  generation: number,
  rotate: boolean,
): Promise<RefreshOutcome> {
  const current = signIn.refreshGeneration
  if (generation > current) throw invalidToken()
  if (generation === current) {
    if (!rotate) return refreshed(user, signIn)
    const now = new Date()
    const expiresAt = slidExpiry(signIn, now)
    const { count } = await context.prisma.authSession.updateMany({
      where: { id: signIn.id, refreshGeneration: current, endedAt: null },
      data: { refreshGeneration: current + 1, rotatedAt: now, expiresAt },
    })
    if (count === 1) return refreshed(user, signIn, { generation: current + 1, issuedAt: now, expiresAt })
    // a twin rotated (or ended) the session first: judge the token again on the session as it is now
    const now2 = await readSessionState(context, signIn.id)
    if (!now2 || !isSessionAlive(now2, user.jwtTokenKey)) throw invalidToken()
    return judgeGeneration(context, user, now2, generation, rotate)
  }
  const retiredAt = signIn.rotatedAt?.getTime() ?? 0
  const withinGrace = env.refreshReuseGraceSeconds > 0 && Date.now() - retiredAt <= env.refreshReuseGraceSeconds * 1000
  if (generation === current - 1 && withinGrace) {
    // answered as its successor was: the successor itself, issued again byte for byte
    const successor = { generation: current, issuedAt: signIn.rotatedAt!, expiresAt: signIn.expiresAt }
    return refreshed(user, signIn, rotate ? successor : undefined)
  }
  // reuse: a token this session retired came back after the grace; whoever holds it, the session ends
  const { count } = await context.prisma.authSession.updateMany({
    where: { id: signIn.id, endedAt: null },
    data: { endedAt: new Date() },
  })
  return { ok: false, reuse: { userId: user.id, sessionId: signIn.id, ended: count === 1 } }
}

async function refreshed(
  user: TokenUser,
  signIn: SessionState,
  refresh?: { generation: number; issuedAt: Date; expiresAt: Date },
): Promise<RefreshOutcome> {
  const accessToken = await issueAccessToken(user, signIn)
  const rotated = refresh && {
    refreshToken: await issueRefreshToken(user, signIn, refresh),
    csrfToken: csrfTokenOf(signIn.id),
    expiresAt: refresh.expiresAt,
  }
  return {
    ok: true,
    refreshed: { userId: user.id, sessionId: signIn.id, accessToken, ...(rotated ? { rotated } : {}) },
  }
}

/** The refusal a refresh answers when its token is no longer good (reuse among them). */
export function invalidToken(): DomainError {
  return new DomainError({
    field: 'refreshToken',
    code: 'JWT_INVALID_TOKEN',
    message: REFUSAL_MESSAGES.JWT_INVALID_TOKEN,
  })
}
