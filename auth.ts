// Sessions: the Admin UI's cookie (@keystone-6/auth, staff only), Bearer access tokens and
// customer API tokens for every API call. All three resolve to the same Session through one
// function, rebuilt from the database on each request in one statement (services/identity/sessions.ts):
// no GraphQL query runs to build a session, and nothing is cached, so a revocation that has
// committed is refused by the very next request in every process.
import type { IncomingMessage } from 'node:http'
import { createHmac, timingSafeEqual } from 'node:crypto'
import { createAuth } from '@keystone-6/auth'
import { statelessSessions } from '@keystone-6/core/session'
import type { SessionStrategy } from '@keystone-6/core/types'
import type { Context } from './generated/keystone/types'
import type { GraphQLSchema } from 'graphql'
import { env } from './env'
import { verifyAccessTokenSignature } from './services/identity'
import { customerOfToken, isCustomerToken } from './services/identity'
import { clientIpOf } from './services/kernel'
import { issueDeviceProof, signInWithPassword } from './services/identity'
import { deviceProofReader, setDeviceCookie } from './mutations/shared/request'
import { DomainError } from './services/kernel'
import { loadSessionUser, sessionOf, type Session, type SessionVia } from './services/identity'
import { isOwnOrigin } from './server/http'
import { declareCostlyWork } from './lists/costlyWork'

export type { Session, SessionVia } from './services/identity'

const { withAuth: withKeystoneAuth } = createAuth({
  listKey: 'User',
  identityField: 'email',
  secretField: 'password',
  // what Keystone's own session wrapper would read; ours (sessionStrategy) reads it itself
  sessionData: 'id isActive isStaff isSuperuser isConfirmed userPermissions',
})

/**
 * Add the Admin UI's sign-in to the config, keeping our session strategy: Keystone's wrapper
 * would run a GraphQL query on every request to read the session's data, which ours has already
 * read in the same statement that checked the credential.
 */
export function withAuth<T extends Parameters<typeof withKeystoneAuth>[0]>(config: T): T {
  const withSignIn = withKeystoneAuth(config)
  const files = withSignIn.ui?.getAdditionalFiles
  // our sign-in page (admin/pages/signin.tsx) replaces Keystone's, which forgets a refusal at once
  const getAdditionalFiles = async () => ((await files?.()) ?? []).filter(file => file.outputPath !== 'pages/signin.js')
  const ui: typeof withSignIn.ui = { ...withSignIn.ui, getAdditionalFiles }
  return { ...withSignIn, ui, session: config.session } as T
}

function bearerToken(req: IncomingMessage | undefined): string | undefined {
  const header = req?.headers.authorization
  if (!header) return undefined
  const match = /^Bearer\s+(\S+)$/i.exec(header)
  return match?.[1] ?? ''
}

function sameKey(a: string, b: string): boolean {
  const left = Buffer.from(a)
  const right = Buffer.from(b)
  return left.length === right.length && timingSafeEqual(left, right)
}

// the cookie carries a fingerprint of the user's token key, so rotating the key (password change
// or reset, email change, tokensDeactivateAll, deactivation, promotion) ends Admin UI sessions too
function fingerprint(key: string): string {
  return createHmac('sha256', env.sessionSecret).update(`cookie:${key}`).digest('base64url')
}

/**
 * The one way a request's credential becomes a session: the credential is checked (a JWT's
 * signature, a customer token's hash, a cookie's seal), then the user and its permissions are
 * read in one statement and the credential is held against the user's current token key.
 */
async function resolveSession(
  context: Context,
  credential:
    | { via: 'jwt'; token: string }
    | { via: 'customerToken'; token: string }
    | { via: 'cookie'; itemId: string; key: string },
): Promise<Session | undefined> {
  if (credential.via === 'customerToken') {
    const customer = await customerOfToken(context, credential.token)
    return customer ? sessionOf(customer, 'customerToken') : undefined
  }
  let userId: string
  let matchesKey: (key: string) => boolean
  if (credential.via === 'jwt') {
    const verified = await verifyAccessTokenSignature(credential.token)
    if (!verified.ok) return undefined
    userId = verified.claims.sub
    matchesKey = key => sameKey(key, verified.claims.token)
  } else {
    userId = credential.itemId
    matchesKey = key => sameKey(fingerprint(key), credential.key)
  }
  const user = await loadSessionUser(context, { id: userId })
  // revocation is immediate: a rotated token key or a deactivated account ends every credential
  if (!user || !user.isActive || !user.jwtTokenKey || !matchesKey(user.jwtTokenKey)) return undefined
  return sessionOf(user, credential.via)
}

export function sessionStrategy(): SessionStrategy<Session, any> {
  const cookie = statelessSessions({
    secret: env.sessionSecret,
    maxAge: 60 * 60 * 8,
    secure: env.isProduction,
    sameSite: 'lax',
  })
  return {
    async start({ context, data }) {
      const user = await loadSessionUser(context as unknown as Context, { id: String(data.itemId) })
      return cookie.start({
        context,
        data: { listKey: 'User', itemId: String(data.itemId), key: fingerprint(user?.jwtTokenKey ?? '') },
      })
    },
    async get({ context }) {
      // WARNING: sessions are read with the request's own Prisma client, outside access control
      const ctx = context as unknown as Context
      // a request that presents a Bearer token is judged by it alone, never by a cookie beside it
      const token = bearerToken(context.req)
      if (token !== undefined) {
        if (!token) return undefined
        return resolveSession(ctx, isCustomerToken(token) ? { via: 'customerToken', token } : { via: 'jwt', token })
      }
      // the Admin UI's cookie speaks for its own pages only: an origin CORS_ORIGINS admits calls with
      // credentials, and a staff member's cookie beside them must not make those calls staff's
      if (!isOwnOrigin(context.req)) return undefined
      const session = (await cookie.get({ context })) as { itemId?: string; key?: string } | undefined
      if (!session?.itemId || !session.key) return undefined
      return resolveSession(ctx, { via: 'cookie', itemId: String(session.itemId), key: session.key })
    },
    end: cookie.end,
  }
}

const FAILURE = { code: 'FAILURE', message: 'Authentication failed.' }

/**
 * The Admin UI's sign-in mutation through the one password sign-in (signInWithPassword, staff
 * only): the email looked up case-insensitively, throttled like tokenCreate, only while
 * PASSWORD_LOGIN_MODE lets staff in; a success leaves a device proof cookie, as tokenCreate's does,
 * and a device proof from an earlier sign-in is read as tokenCreate reads it. Anyone else gets the same failure, after the same hashing
 * work, so the answer tells nothing about whether an email is registered or is a customer's.
 */
export function restrictAdminSignIn(schema: GraphQLSchema): GraphQLSchema {
  const field = schema.getMutationType()?.getFields().authenticateUserWithPassword
  if (!field) return schema
  // a password check: one per request (lists/costlyWork.ts)
  declareCostlyWork(field, ['password'])
  field.resolve = async (_root, args, context: Context) => {
    try {
      const user = await signInWithPassword(
        context.sudo(),
        {
          email: String(args.email ?? ''),
          password: String(args.password ?? ''),
          ip: clientIpOf(context.req),
          deviceProofOf: deviceProofReader(context.req),
        },
        { staffOnly: true },
      )
      const sessionToken = await context.sessionStrategy!.start({ data: { listKey: 'User', itemId: user.id }, context })
      if (typeof sessionToken !== 'string' || !sessionToken) return FAILURE
      // after the session cookie, which Keystone sets in place of any other: a device proof, as every sign-in leaves
      setDeviceCookie(context.res, issueDeviceProof(user.id))
      return { sessionToken, item: user }
    } catch (error) {
      if (!(error instanceof DomainError)) throw error
      const delayed = error.errors.find(e => e.code === 'LOGIN_ATTEMPT_DELAYED')
      return delayed ? { code: 'FAILURE', message: delayed.message } : FAILURE
    }
  }
  return schema
}
