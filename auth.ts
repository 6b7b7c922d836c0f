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
import type { AdminSignInProof, Credential } from './services/identity'
import { MfaRequiredError, issueDeviceProof, requireSecondFactor, signInWithPassword } from './services/identity'
import { deviceProofReader, setDeviceCookie } from './mutations/shared/request'
import { setAdminChallengeCookie } from './mutations/shared/adminSignIn'
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
  // STAFF_MFA_REQUIRED: staff signed in without a second factor act as customers (sessionDataOf),
  // so the Admin UI refuses them; they are sent to enrol one instead of to the sign-in page
  const keystoneMiddleware = withSignIn.ui?.pageMiddleware
  const pageMiddleware: NonNullable<typeof keystoneMiddleware> = async args => {
    const session = args.context.session as Session | undefined
    if (!args.wasAccessAllowed && session?.data.secondFactorPending)
      return { kind: 'redirect', to: `${args.basePath}${SECOND_FACTOR_PAGE}` }
    return keystoneMiddleware?.(args)
  }
  const ui: typeof withSignIn.ui = { ...withSignIn.ui, getAdditionalFiles, pageMiddleware }
  return { ...withSignIn, ui, session: config.session } as T
}

/** The Admin UI's public page where staff enrol a second factor (admin/pages/second-factor.tsx). */
export const SECOND_FACTOR_PAGE = '/second-factor'

/**
 * The answer authenticateUserWithPassword gives a right password of staff with TOTP: a failure
 * (no session yet) whose message the sign-in page recognises (admin/pages/signin.tsx); the
 * challenge is in an http-only cookie (mutations/shared/adminSignIn.ts).
 */
export const ADMIN_MFA_REQUIRED = {
  code: 'FAILURE',
  message: 'MFA_REQUIRED: enter the code from your authenticator app, or a recovery code.',
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
      // what the sign-in proved (restrictAdminSignIn, adminSignInWithCode, adminSignInWithPasskey): the
      // session binds to it and records its amr; none from Keystone's first-user page
      const proof = (data as { proof?: AdminSignInProof }).proof
      const sealed = await startAdminCookieSession(context as unknown as Context, String(data.itemId), client, proof)
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
const ADMIN_SIGN_IN_STEPS = ['adminSignInWithCode', 'adminSignInWithPasskey']

/**
 * The Admin UI's sign-in mutation through the one password sign-in (signInWithPassword, staff
 * only): the email looked up case-insensitively, throttled like tokenCreate, only while
 * PASSWORD_LOGIN_MODE lets staff in; a success leaves a device proof cookie, as tokenCreate's does,
 * and a device proof from an earlier sign-in is read as tokenCreate reads it. Anyone else gets the same failure, after the same hashing
 * work, so the answer tells nothing about whether an email is registered or is a customer's. A
 * right password of staff with TOTP starts no session: the answer is ADMIN_MFA_REQUIRED and the
 * challenge an http-only cookie, which adminSignInWithCode finishes; the session records its amr.
 * The steps beyond the password (adminSignInWithCode, adminSignInWithPasskey) answer the Admin
 * UI's own origin only.
 */
export function restrictAdminSignIn(schema: GraphQLSchema): GraphQLSchema {
  const fields = schema.getMutationType()?.getFields()
  // the Admin UI's sign-in steps beyond the password answer its own pages only: a browser on an
  // origin CORS_ORIGINS admits must not finish a staff sign-in with the cookies it carries
  for (const name of ADMIN_SIGN_IN_STEPS) {
    const step = fields?.[name]
    const resolve = step?.resolve
    if (!step || !resolve) continue
    step.resolve = (root, args, context: Context, info) => {
      if (!isOwnOrigin(context.req))
        throw new GraphQLError('The Admin UI signs in from its own pages only.', {
          extensions: { code: 'KS_ACCESS_DENIED' },
        })
      return resolve(root, args, context, info)
    }
  }
  const field = fields?.authenticateUserWithPassword
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
      // staff with TOTP get no session yet: the challenge (MfaRequiredError), finished by adminSignInWithCode
      const client = { ip: clientIpOf(context.req), userAgent: context.req?.headers['user-agent'] }
      await requireSecondFactor(context.sudo(), user, { kind: 'adminCookie', proven, ...client })
      const proof: AdminSignInProof = { proven, amr: ['pwd'] }
      const sessionToken = await context.sessionStrategy!.start({
        data: { listKey: 'User', itemId: user.id, proof },
        context,
      })
      if (typeof sessionToken !== 'string' || !sessionToken) return FAILURE
      // after the session cookie, which Keystone sets in place of any other: a device proof, as every sign-in leaves
      setDeviceCookie(context.res, issueDeviceProof(user.id))
      return { sessionToken, item: user }
    } catch (error) {
      if (error instanceof MfaRequiredError) {
        setAdminChallengeCookie(context, error.challenge, error.expiresAt)
        return ADMIN_MFA_REQUIRED
      }
      if (!(error instanceof DomainError)) throw error
      const delayed = error.errors.find(e => e.code === 'LOGIN_ATTEMPT_DELAYED')
      return delayed ? { code: 'FAILURE', message: delayed.message } : FAILURE
    }
  }
  return schema
}
