// Sessions: the Admin UI's cookie (@keystone-6/auth, staff only) and Bearer access tokens for
// every API call. Both resolve to the same Session, rebuilt from the database on each request.
import type { IncomingMessage } from 'node:http'
import { createHmac, timingSafeEqual } from 'node:crypto'
import { createAuth } from '@keystone-6/auth'
import { statelessSessions } from '@keystone-6/core/session'
import type { SessionStrategy } from '@keystone-6/core/types'
import type { Context } from './generated/keystone/types'
import type { GraphQLSchema } from 'graphql'
import { env } from './env'
import { normalizeEmail } from './services/emails'
import { hashPassword } from './services/passwords'
import type { Permission } from './services/permissions'
import { verifyAccessToken } from './services/tokens'
import { customerOfToken, isCustomerToken } from './services/customerTokens'
import { clientIpOf } from './services/clientIp'
import { checkLoginAllowed, recordLoginFailure, recordLoginSuccess } from './services/throttle'

// how the caller proved who it is; a customer API token acts with customer scope only
export type SessionVia = 'cookie' | 'jwt' | 'customerToken'

export type Session = {
  listKey: 'User'
  itemId: string
  via: SessionVia
  data: {
    id: string
    isActive: boolean
    isStaff: boolean
    isSuperuser: boolean
    isConfirmed?: boolean
    userPermissions: Permission[]
  }
}

type BaseSession = Omit<Session, 'data'>

const SESSION_DATA = 'id isActive isStaff isSuperuser isConfirmed userPermissions'

const { withAuth } = createAuth({
  listKey: 'User',
  identityField: 'email',
  secretField: 'password',
  // read with sudo on every request: permissions are never cached in a cookie or a token
  sessionData: SESSION_DATA,
})

export { withAuth }

function bearerToken (req: IncomingMessage | undefined): string | undefined {
  const header = req?.headers.authorization
  if (!header) return undefined
  const match = /^Bearer\s+(\S+)$/i.exec(header)
  return match?.[1] ?? ''
}

function sameKey (a: string, b: string): boolean {
  const left = Buffer.from(a)
  const right = Buffer.from(b)
  return left.length === right.length && timingSafeEqual(left, right)
}

async function sessionFromAccessToken (context: Context, token: string): Promise<BaseSession | undefined> {
  const verified = await verifyAccessToken(token)
  if (!verified.ok) return undefined
  const user = await context.sudo().db.User.findOne({ where: { id: verified.claims.sub } })
  // revocation is immediate: a rotated token key or a deactivated account ends every token
  if (!user || !user.isActive || typeof user.jwtTokenKey !== 'string' || !sameKey(user.jwtTokenKey, verified.claims.token)) return undefined
  return { listKey: 'User', itemId: String(user.id), via: 'jwt' }
}

export function sessionStrategy (): SessionStrategy<BaseSession, any> {
  const cookie = statelessSessions({
    secret: env.sessionSecret,
    maxAge: 60 * 60 * 8,
    secure: env.isProduction,
    sameSite: 'lax',
  })
  // the cookie carries a fingerprint of the user's token key, so rotating the key (password
  // change or reset, email change, tokensDeactivateAll, deactivation) ends Admin UI sessions too
  const fingerprint = (key: string) => createHmac('sha256', env.sessionSecret).update(`cookie:${key}`).digest('base64url')
  return {
    async start ({ context, data }) {
      const user = await (context as unknown as Context).sudo().db.User.findOne({ where: { id: String(data.itemId) } })
      return cookie.start({ context, data: { ...data, key: fingerprint(String(user?.jwtTokenKey ?? '')) } })
    },
    async get ({ context }) {
      // a request that presents a Bearer token is judged by it alone, never by a cookie beside it
      const token = bearerToken(context.req)
      if (token !== undefined) {
        if (!token) return undefined
        if (isCustomerToken(token)) {
          const customer = await customerOfToken(context.sudo(), token)
          return customer ? { listKey: 'User', itemId: customer.id, via: 'customerToken' } : undefined
        }
        return sessionFromAccessToken(context, token)
      }
      const session = await cookie.get({ context }) as { itemId?: string, key?: string } | undefined
      if (!session?.itemId || !session.key) return undefined
      const user = await (context as unknown as Context).sudo().db.User.findOne({ where: { id: String(session.itemId) } })
      if (!user?.isActive || typeof user.jwtTokenKey !== 'string' || !sameKey(fingerprint(user.jwtTokenKey), session.key)) return undefined
      return { listKey: 'User', itemId: String(session.itemId), via: 'cookie' }
    },
    end: cookie.end,
  }
}

/**
 * Give a context that acts as this user, for answers that return the user it just signed in
 * (tokenCreate, setPassword): the caller is still anonymous, but the payload is the user's own.
 */
export async function actingAs (context: Context, userId: string): Promise<Context> {
  const data = await context.sudo().query.User.findOne({ where: { id: userId }, query: SESSION_DATA })
  if (!data) return context
  return context.withSession({ listKey: 'User', itemId: userId, via: 'jwt', data } as Session)
}

const FAILURE = { code: 'FAILURE', message: 'Authentication failed.' }

/**
 * Admit only active staff through the Admin UI's sign-in mutation, with the email looked up
 * case-insensitively, throttled like tokenCreate, and only while PASSWORD_LOGIN_MODE is ENABLED. Anyone else gets the same failure, after the same hashing work, so the
 * answer tells nothing about whether an email is registered or belongs to a customer.
 */
export function restrictAdminSignIn (schema: GraphQLSchema): GraphQLSchema {
  const field = schema.getMutationType()?.getFields().authenticateUserWithPassword
  if (!field?.resolve) return schema
  const original = field.resolve
  field.resolve = async (root, args, context: Context, info) => {
    const email = normalizeEmail(String(args.email ?? ''))
    const ip = clientIpOf(context.req)
    // the same brute-force throttle as tokenCreate: this is a password login too
    const throttle = await checkLoginAllowed(context.sudo(), { ip, email })
    if (!throttle.allowed) return { code: 'FAILURE', message: `Too many attempts: try again in ${throttle.retryAfterSeconds} seconds.` }
    const user = await context.sudo().db.User.findOne({ where: { email } })
    if (env.passwordLoginMode !== 'ENABLED' || !user || !user.isStaff || !user.isActive || !user.isConfirmed) {
      await hashPassword('simulated-password-to-counter-timing-attack')
      await recordLoginFailure(context.sudo(), { ip, email })
      return FAILURE
    }
    const result = await original(root, { ...args, email }, context, info)
    if (result && typeof result === 'object' && 'sessionToken' in result) await recordLoginSuccess(context.sudo(), { ip, email })
    else await recordLoginFailure(context.sudo(), { ip, email })
    return result
  }
  return schema
}
