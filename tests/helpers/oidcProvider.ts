// A real OpenID Provider on loopback for tests: `oidc-provider` (npm) with one confidential client,
// `features.devInteractions` off and each interaction finished programmatically
// (`provider.interactionFinished`) as the subject the test names, with the claims the test set for
// it (email, email_verified, names, groups) and the amr and acr of its sign-in. The test plays the
// browser: `authorize(url, subject)` follows the provider's redirects, carrying its cookies, to the
// client's redirect URI and answers the `code`, `state` and `iss` it was sent there.
// Keys rotate with `rotateKeys()` (a new signing key; the old one leaves the provider's JWKS);
// `tamperIdToken(fn)` makes the token endpoint answer an ID token the test forged from the real one
// (other claims, or signed with a key the provider does not publish); `stop()` takes it down.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { randomBytes } from 'node:crypto'
import * as jose from 'jose'
import Provider, { type Configuration } from 'oidc-provider'

export type AccountClaims = {
  email?: string
  email_verified?: boolean
  given_name?: string
  family_name?: string
  groups?: string[]
  // the sign-in's own: how the subject authenticated at the provider
  amr?: string[]
  acr?: string
}

export type IdTokenForgery = (
  claims: jose.JWTPayload,
  sign: (claims: jose.JWTPayload, key?: 'provider' | 'unknown') => Promise<string>,
) => Promise<string>

export type TestOidcProvider = {
  issuer: string
  clientId: string
  clientSecret: string
  redirectUris: string[]
  setAccount: (subject: string, claims: AccountClaims) => void
  authorize: (
    authorizationUrl: string,
    subject: string,
  ) => Promise<{ code: string; state: string; iss?: string; url: URL }>
  rotateKeys: () => Promise<void>
  tamperIdToken: (forgery: IdTokenForgery | undefined) => void
  // the subject a browser's interaction signs in when no test header names one
  defaultSubject: string | undefined
  stop: () => Promise<void>
}

async function signingKey(): Promise<{ private: jose.JWK; kid: string }> {
  const { privateKey } = await jose.generateKeyPair('RS256', { extractable: true })
  const jwk = await jose.exportJWK(privateKey)
  const kid = randomBytes(8).toString('hex')
  return { private: { ...jwk, kid, alg: 'RS256', use: 'sig' }, kid }
}

export async function startOidcProvider(
  options: { redirectUris: string[]; clientId?: string; clientSecret?: string } = { redirectUris: [] },
): Promise<TestOidcProvider> {
  const clientId = options.clientId ?? 'shop'
  const clientSecret = options.clientSecret ?? randomBytes(24).toString('base64url')
  const accounts = new Map<string, AccountClaims>()
  let key = await signingKey()
  let forgery: IdTokenForgery | undefined
  let handler: (req: IncomingMessage, res: ServerResponse) => void = () => undefined

  const server: Server = createServer((req, res) => handler(req, res))
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  const issuer = `http://127.0.0.1:${port}`

  const configuration = (): Configuration => ({
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: options.redirectUris,
        post_logout_redirect_uris: options.redirectUris,
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    jwks: { keys: [key.private] as any },
    cookies: { keys: ['a test cookie key of the loopback provider'] },
    features: { devInteractions: { enabled: false }, rpInitiatedLogout: { enabled: true } },
    // the claims a scope grants go in the ID token, so the relying party reads them there
    conformIdTokenClaims: false,
    claims: {
      // the sign-in's own amr and acr travel in every ID token, as a provider that asserts them sends them
      openid: ['sub', 'amr', 'acr', 'auth_time', 'sid'],
      email: ['email', 'email_verified'],
      profile: ['given_name', 'family_name', 'groups'],
    },
    acrValues: ['urn:test:loa:1', 'urn:test:loa:2'],
    pkce: { required: () => true },
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    findAccount: (_ctx: unknown, subject: string) => ({
      accountId: subject,
      claims: () => {
        const { amr: _amr, acr: _acr, ...claims } = accounts.get(subject) ?? {}
        return { sub: subject, ...claims }
      },
    }),
    ttl: { AuthorizationCode: 60, IdToken: 300, AccessToken: 300, Interaction: 300, Session: 600, Grant: 600 },
  })

  const build = () => {
    const provider = new Provider(issuer, configuration())
    // plain http on loopback: the provider would otherwise refuse its own cookies' "secure" defaults
    provider.proxy = false
    const callback = provider.callback()
    handler = (req, res) => {
      const path = new URL(req.url ?? '/', issuer).pathname
      if (path.startsWith('/interaction/')) {
        finishInteraction(provider, req, res).catch(error => {
          res.statusCode = 500
          res.end(String(error))
        })
        return
      }
      if (path === '/token' && req.method === 'POST' && forgery) tamper(res)
      callback(req, res)
    }
  }

  // the user "signs in" at the provider: the subject the test names (or the default), its consent given
  async function finishInteraction(provider: Provider, req: IncomingMessage, res: ServerResponse) {
    const details = await provider.interactionDetails(req, res)
    const subject = String(req.headers['x-test-subject'] ?? api.defaultSubject ?? '')
    if (!subject) throw new Error('no subject for this interaction')
    const account = accounts.get(subject) ?? {}
    const params = details.params as Record<string, string>
    const grant = new provider.Grant({ accountId: subject, clientId: String(params.client_id) })
    grant.addOIDCScope(String(params.scope))
    const grantId = await grant.save()
    await provider.interactionFinished(
      req,
      res,
      {
        login: {
          accountId: subject,
          ...(account.amr ? { amr: account.amr } : {}),
          ...(account.acr ? { acr: account.acr } : {}),
        },
        consent: { grantId },
      },
      { mergeWithLastSubmission: false },
    )
  }

  // replace the token endpoint's ID token with the forgery, once koa has written its answer
  function tamper(res: ServerResponse) {
    const end = res.end.bind(res) as (chunk?: unknown) => ServerResponse
    ;(res as any).end = (chunk?: unknown) => {
      const text = chunk === undefined ? '' : Buffer.isBuffer(chunk) ? chunk.toString('utf8') : String(chunk)
      let body: Record<string, unknown>
      try {
        body = JSON.parse(text)
      } catch {
        return end(chunk)
      }
      if (typeof body.id_token !== 'string' || !forgery) return end(chunk)
      const claims = jose.decodeJwt(body.id_token)
      forgery(claims, sign)
        .then(idToken => {
          const next = JSON.stringify({ ...body, id_token: idToken })
          res.setHeader('content-length', Buffer.byteLength(next))
          end(next)
        })
        .catch(error => {
          res.statusCode = 500
          end(String(error))
        })
      return res
    }
  }

  async function sign(claims: jose.JWTPayload, which: 'provider' | 'unknown' = 'provider'): Promise<string> {
    const use = which === 'provider' ? key : await signingKey()
    const privateKey = await jose.importJWK(use.private, 'RS256')
    return new jose.SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: use.kid, typ: 'JWT' }).sign(privateKey)
  }

  build()

  const api: TestOidcProvider = {
    issuer,
    clientId,
    clientSecret,
    redirectUris: options.redirectUris,
    defaultSubject: undefined,
    setAccount: (subject, claims) => {
      accounts.set(subject, claims)
    },
    async authorize(authorizationUrl, subject) {
      const cookies = new Map<string, string>()
      let url = new URL(authorizationUrl)
      for (let hop = 0; hop < 10; hop++) {
        if (url.origin !== issuer) {
          const code = url.searchParams.get('code')
          const state = url.searchParams.get('state')
          if (!code || !state) throw new Error(`the provider answered without a code: ${url.href}`)
          return { code, state, iss: url.searchParams.get('iss') ?? undefined, url }
        }
        const response = await fetch(url, {
          redirect: 'manual',
          headers: {
            cookie: [...cookies].map(([name, value]) => `${name}=${value}`).join('; '),
            'x-test-subject': subject,
          },
        })
        for (const line of response.headers.getSetCookie()) {
          const [pair] = line.split(';')
          const at = pair!.indexOf('=')
          cookies.set(pair!.slice(0, at), pair!.slice(at + 1))
        }
        const location = response.headers.get('location')
        if (!location)
          throw new Error(`the provider stopped at ${url.href}: ${response.status} ${await response.text()}`)
        url = new URL(location, url)
      }
      throw new Error('too many redirects at the provider')
    },
    async rotateKeys() {
      key = await signingKey()
      build()
    },
    tamperIdToken(next) {
      forgery = next
    },
    // down at once: kept-alive connections too, so a client holding one finds the provider gone
    stop: () =>
      new Promise(resolve => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
  return api
}
