// Keystone's session adapter (get, start, end) over the one decision of whether a credential is
// good (callerSession, services/identity/authenticate.ts): a Bearer access token or customer API
// token on any API call, or the Admin UI's cookie (@keystone-6/auth, staff only) from the server's
// own origin. A Bearer token that is not good refuses the whole request with its JWT_* code; a
// cookie that is not good reads as signed out. The session is rebuilt from the database on each
// request in one statement: no GraphQL query runs to build it, and nothing is cached, so a
// revocation that has committed is refused by the very next request in every process. Also the
// Admin UI's sign-in, through the one password sign-in.
import { createAuth } from '@keystone-6/auth'
import { statelessSessions } from '@keystone-6/core/session'
import type { KeystoneContext, SessionStrategy } from '@keystone-6/core/types'
import type { Context } from './generated/keystone/types'
import { GraphQLError, type GraphQLSchema } from 'graphql'
import { env } from './env'
import { clientIpOf } from './services/kernel'
import {
  ADMIN_COOKIE_MAX_AGE_SECONDS,
  bearerCredential,
  callerSession,
  CredentialRefusedError,
  endSession,
  startAdminCookieSession,
} from './services/identity'
import type { Credential, ProvenUser } from './services/identity'
import { issueDeviceProof, signInWithPassword } from './services/identity'
import { deviceProofReader, setDeviceCookie } from './mutations/shared/request'
import { DomainError } from './services/kernel'
import type { Session } from './services/identity'
import { isGraphqlRequest, isOwnOrigin } from './server/http'
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

export function sessionStrategy(): SessionStrategy<Session, any> {
  const cookie = statelessSessions({
    secret: env.sessionSecret,
    maxAge: ADMIN_COOKIE_MAX_AGE_SECONDS,
    secure: env.isProduction,
    sameSite: 'lax',
  })
  return {
    // every Admin UI sign-in (and Keystone's first-user page) begins a session, as every sign-in does
    async start({ context, data }) {
      const client = { ip: clientIpOf(context.req), userAgent: context.req?.headers['user-agent'] }
      // the row our sign-in's password check read (restrictAdminSignIn), so the session binds to what it proved
      const proven = (data as { proven?: ProvenUser }).proven
      const sealed = await startAdminCookieSession(context as unknown as Context, String(data.itemId), client, proven)
      return cookie.start({ context, data: sealed })
    },
    async get({ context }) {
      // WARNING: sessions are read with the request's own Prisma client, outside access control
      const credential = await credentialOf(context, cookie)
      try {
        return await callerSession(context as unknown as Context, credential)
      } catch (error) {
        if (!(error instanceof CredentialRefusedError)) throw error
        // Keystone's Admin UI pages make a context too: there a foreign or stale Authorization header
        // reads as signed out, as a stale cookie does; only the API answers with its JWT_* code
        if (context.req && !isGraphqlRequest(context.req)) return undefined
        throw credentialRefusal(error)
      }
    },
    // signing out of the Admin UI ends its session, not only the cookie
    async end({ context }) {
      const sealed = (await cookie.get({ context })) as { itemId?: string; sessionId?: string } | undefined
      if (sealed?.itemId && sealed.sessionId)
        await endSession((context as unknown as Context).sudo(), {
          userId: String(sealed.itemId),
          sessionId: sealed.sessionId,
        })
      return cookie.end({ context })
    },
  }
}

/**
 * A refused Bearer token as the request's one error: Apollo answers a context that could not be
 * made with it, before any field runs, HTTP 200 as for any GraphQL error (Saleor's status), so
 * every GraphQL client reads its `extensions.code`.
 */
function credentialRefusal(error: CredentialRefusedError): GraphQLError {
  return new GraphQLError(error.message, { extensions: { code: error.code, http: { status: 200 } } })
}

/** What the request presents: its Authorization header, or else the Admin UI's cookie from our own origin. */
async function credentialOf(
  context: KeystoneContext,
  cookie: SessionStrategy<any, any>,
): Promise<Credential | undefined> {
  // a request that carries an Authorization header is judged by it alone, never by a cookie beside it
  const header = context.req?.headers.authorization
  if (header) return bearerCredential(header)
  // the Admin UI's cookie speaks for its own pages only: an origin CORS_ORIGINS admits calls with
  // credentials, and a staff member's cookie beside them must not make those calls staff's
  if (!isOwnOrigin(context.req)) return undefined
  const sealed = (await cookie.get({ context })) as { itemId?: string; key?: string; sessionId?: string } | undefined
  // a cookie sealed before sessions names none: it reads as signed out, and its holder signs in again
  if (!sealed?.itemId || !sealed.key || !sealed.sessionId) return undefined
  return { kind: 'adminCookie', itemId: String(sealed.itemId), key: sealed.key, sessionId: String(sealed.sessionId) }
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
      const proven = { id: user.id, password: user.password, jwtTokenKey: user.jwtTokenKey }
      const sessionToken = await context.sessionStrategy!.start({
        data: { listKey: 'User', itemId: user.id, proven },
        context,
      })
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
