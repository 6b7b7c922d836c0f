// The Admin UI's "Sign in with <provider>" (API.md §10): a route pair per provider with a `staff`
// section. /auth/oidc/<id>/start sends the browser to the provider, bound to it by a cookie (redirect_uri: this server's own
// callback under PUBLIC_URL, to register at the provider); /auth/oidc/<id>/callback redeems its
// answer (services/accounts signInExternallyForAdmin), starts the Admin UI's cookie session with the
// sign-in's amr, and opens the Admin UI. A staff member with TOTP and no second factor asserted by
// the provider is sent to the sign-in page's code step (the challenge in its http-only cookie); any
// refusal returns to the sign-in page with a code it explains. /auth/oidc/providers lists the
// providers the sign-in page offers.
import { randomBytes } from 'node:crypto'
import type { Express, Request, Response } from 'express'
import type { KeystoneContext } from '@keystone-6/core/types'
import type { Context } from '../generated/keystone/types'
import { env } from '../env'
import { DomainError, clientIpOf } from '../services/kernel'
import { MfaRequiredError, externalAuthorizationUrl, oidcProviderOf, staffOidcProviders } from '../services/identity'
import { signInExternallyForAdmin } from '../services/accounts'
import { setAdminChallengeCookie, startAdminCookie } from '../mutations/shared/adminSignIn'
import { readCookie } from '../mutations/shared/request'
import { logger } from './logger'

export const EXTERNAL_SIGN_IN_PATH = '/auth/oidc'

/** The callback a provider sends the Admin UI's sign-in back to: to register at the provider. */
export function adminCallbackUrl(providerId: string): string {
  return `${env.publicUrl}${EXTERNAL_SIGN_IN_PATH}/${encodeURIComponent(providerId)}/callback`
}

// back to the sign-in page, with what went wrong as a code the page explains (never a message from elsewhere)
function toSignIn(res: Response, query: Record<string, string>): void {
  res.set('cache-control', 'no-store').redirect(303, `/signin?${new URLSearchParams(query)}`)
}

// Login CSRF: /start gives the browser a random value in a cookie only this provider's routes
// receive (http-only, SameSite=Lax so the provider's redirect back carries it), its hash bound to
// the state; /callback redeems a state only with it (services/identity redeemExternalSignIn) and
// clears it, so a callback URL begun in another browser signs nobody in here.
export const EXTERNAL_SIGN_IN_COOKIE = 'ks-oidc-browser'
const BROWSER_COOKIE_SECONDS = 300

function browserCookie(res: Response, providerId: string, value: string, maxAgeSeconds: number): void {
  res.append(
    'Set-Cookie',
    [
      `${EXTERNAL_SIGN_IN_COOKIE}=${encodeURIComponent(value)}`,
      `Path=${EXTERNAL_SIGN_IN_PATH}/${encodeURIComponent(providerId)}`,
      'HttpOnly',
      'SameSite=Lax',
      `Max-Age=${maxAgeSeconds}`,
      ...(env.isProduction ? ['Secure'] : []),
    ].join('; '),
  )
}

function refusalCode(error: unknown): string {
  if (error instanceof DomainError) return error.errors[0]?.code ?? 'INVALID'
  return 'INTERNAL'
}

function staffProvider(id: string) {
  const provider = oidcProviderOf(id)
  if (!provider.staff) throw new DomainError({ field: 'pluginId', code: 'NOT_FOUND', message: 'No such provider.' })
  return provider
}

export function mountExternalSignIn(app: Express, keystone: KeystoneContext): void {
  const context = keystone as unknown as Context

  app.get(`${EXTERNAL_SIGN_IN_PATH}/providers`, (_req, res) => {
    res.set('cache-control', 'no-store').json(staffOidcProviders().map(provider => ({ id: provider.id })))
  })

  app.get(`${EXTERNAL_SIGN_IN_PATH}/:provider/start`, async (req: Request, res: Response) => {
    try {
      const provider = staffProvider(String(req.params.provider))
      const browser = randomBytes(32).toString('base64url')
      const url = await externalAuthorizationUrl(context.sudo(), {
        provider,
        redirectUri: adminCallbackUrl(provider.id),
        kind: 'adminCookie',
        browser,
      })
      browserCookie(res, provider.id, browser, BROWSER_COOKIE_SECONDS)
      res.set('cache-control', 'no-store').redirect(303, url)
    } catch (error) {
      if (!(error instanceof DomainError)) logger.error({ err: error }, 'external sign-in could not start')
      toSignIn(res, { externalError: refusalCode(error) })
    }
  })

  app.get(`${EXTERNAL_SIGN_IN_PATH}/:provider/callback`, async (req: Request, res: Response) => {
    // the browser's binding is read once and cleared, whatever follows
    const browser = readCookie(req, EXTERNAL_SIGN_IN_COOKIE)
    if (browser !== undefined) browserCookie(res, String(req.params.provider), '', 0)
    // the provider's own refusal (the user cancelled, or it refused the client): nothing to redeem
    if (typeof req.query.error === 'string') return toSignIn(res, { externalError: 'PROVIDER_REFUSED' })
    const requestContext = (await keystone.withRequest(req, res)) as unknown as Context
    const input = { code: req.query.code, state: req.query.state, iss: req.query.iss, browser }
    const client = { ip: clientIpOf(req), userAgent: req.headers['user-agent'] }
    try {
      // the cookie session begins in the transaction that binds the sign-in (bindExternalSignIn)
      const started = await signInExternallyForAdmin(
        requestContext.sudo(),
        { pluginId: String(req.params.provider), input, client },
        (tx, { userId, tokenKey, amr }) => startAdminCookie(tx, userId, { tokenKey, amr }),
      )
      if (!started) return toSignIn(res, { externalError: 'INVALID_CREDENTIALS' })
      res.set('cache-control', 'no-store').redirect(303, '/')
    } catch (error) {
      if (error instanceof MfaRequiredError) {
        setAdminChallengeCookie(requestContext, error.challenge, error.expiresAt)
        return toSignIn(res, { step: 'code' })
      }
      if (!(error instanceof DomainError)) logger.error({ err: error }, 'external sign-in failed')
      toSignIn(res, { externalError: refusalCode(error) })
    }
  })
}
