// What the session tests share: the operations of API.md §9 as a client sends them, and a sign-in
// from a device of its own (its User-Agent), keeping everything the client would keep.
import assert from 'node:assert/strict'
import { PASSWORD } from '../../helpers/factories'
import type { GraphQLResponse, TestServer } from '../../helpers/server'

export const SESSION_FIELDS = 'id current createdAt lastUsedAt expiresAt ip userAgent amr'

export const TOKEN_CREATE = `mutation($email: String!, $password: String!) {
  tokenCreate(email: $email, password: $password) { token refreshToken csrfToken user { id } errors { field code } } }`
export const MY_SESSIONS = `{ me { id sessions { ${SESSION_FIELDS} } } }`
export const USER_SESSIONS = `query($id: ID!) { user(where: { id: $id }) { id sessions { ${SESSION_FIELDS} } } }`
export const SESSION_REVOKE = 'mutation($id: ID!) { sessionRevoke(id: $id) { errors { field code } } }'
export const REVOKE_OTHERS = 'mutation { sessionsRevokeOthers { count errors { field code } } }'
// the rotating shape: the client asks for the next refresh token
export const REFRESH_ROTATING = `mutation($refreshToken: String, $csrfToken: String) {
  tokenRefresh(refreshToken: $refreshToken, csrfToken: $csrfToken) { token refreshToken csrfToken user { id } errors { field code } } }`
// Saleor's @saleor/auth-sdk shape: only the access token
export const REFRESH_SDK = `mutation($refreshToken: String, $csrfToken: String) {
  tokenRefresh(refreshToken: $refreshToken, csrfToken: $csrfToken) { token errors { field code } } }`
export const ME = '{ me { id } }'

export type UserSession = {
  id: string
  current: boolean
  createdAt: string
  lastUsedAt: string | null
  expiresAt: string
  ip: string
  userAgent: string
  amr: string[]
}

export type Device = {
  userAgent: string
  token: string
  refreshToken: string
  csrfToken: string
  // the refresh cookie as a browser would send it back (`refreshToken=…`)
  cookie: string
  sessionId: string
  userId: string
}

/** The claims of a JWT, read without checking it (as a client may). */
export function claimsOf(token: string): Record<string, any> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8'))
}

export function refreshCookieOf(res: GraphQLResponse): string | undefined {
  return res.headers
    .getSetCookie()
    .find(cookie => cookie.startsWith('refreshToken='))
    ?.split(';')[0]
}

/** Sign in with tokenCreate from a device that names itself by its User-Agent. */
export async function signIn(
  server: TestServer,
  email: string,
  userAgent: string,
  password = PASSWORD,
  headers: Record<string, string> = {},
): Promise<Device> {
  const res = await server.gql(TOKEN_CREATE, { email, password }, { headers: { 'user-agent': userAgent, ...headers } })
  assert.deepEqual(res.body.data?.tokenCreate?.errors, [], JSON.stringify(res.body))
  const { token, refreshToken, csrfToken, user } = res.body.data.tokenCreate
  return {
    userAgent,
    token,
    refreshToken,
    csrfToken,
    cookie: refreshCookieOf(res)!,
    sessionId: String(claimsOf(token).sid),
    userId: user.id,
  }
}

/** The caller's live sessions, as `me { sessions }` lists them. */
export async function mySessions(server: TestServer, token: string): Promise<UserSession[]> {
  const res = await server.gql(MY_SESSIONS, {}, { token })
  assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors))
  return res.body.data.me.sessions
}

export function errorCodes(payload: { errors: { code: string }[] } | null | undefined): string[] {
  return (payload?.errors ?? []).map(error => error.code)
}

export const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms))
