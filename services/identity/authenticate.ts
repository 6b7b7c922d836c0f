// Whether a credential is still good, decided once: for an API call (auth.ts), tokenVerify and
// tokenRefresh alike. Each way of proving who you are is a strategy of its own in strategies/,
// tried in order, as Payload's executeAuthStrategies does; a new way in (a server-side session,
// say) is one file there and one line in STRATEGIES. Also who calls an API (callerSession): the
// one rule for a credential that is presented but not good.
import type { Context } from '../../generated/keystone/types'
import type { Session } from './sessions'
import { adminCookieStrategy } from './strategies/adminCookie'
import { customerTokenStrategy } from './strategies/customerToken'
import { jsonWebTokenStrategy } from './strategies/jsonWebToken'
import {
  REFUSAL_MESSAGES,
  refused,
  type AuthStrategy,
  type Authentication,
  type Credential,
  type Refusal,
  type RefusalCode,
  type RefusalReason,
} from './strategies/strategy'

const STRATEGIES: AuthStrategy[] = [jsonWebTokenStrategy, customerTokenStrategy, adminCookieStrategy]

/**
 * Judge a credential: the first strategy that takes its kind says whether it is still good
 * (its user exists and is active, its key matches, its purpose is right), with the session it
 * proves, or a typed refusal. Nothing is cached: a revocation that has committed is refused by
 * the very next call, in every process.
 */
export async function authenticate(context: Context, credential: Credential): Promise<Authentication> {
  for (const strategy of STRATEGIES) if (strategy.takes(credential)) return strategy.judge(context, credential)
  return refused('unrecognised')
}

/** An API call whose Bearer token is not good: refused with the token's code, never run as anonymous. */
export class CredentialRefusedError extends Error {
  readonly code: RefusalCode
  readonly reason: RefusalReason

  constructor(refusal: Refusal) {
    super(REFUSAL_MESSAGES[refusal.code])
    this.name = 'CredentialRefusedError'
    this.code = refusal.code
    this.reason = refusal.reason
  }
}

/**
 * Who calls an API: the session the request's credential proves, or nobody when it presents none.
 * A Bearer token that is presented but not good (malformed, expired, forged, of the wrong purpose,
 * revoked, of a user who is gone or deactivated, a replaced customer token) throws
 * CredentialRefusedError, whatever the operation, as Saleor answers it: a storefront must tell a
 * bad token from none, and drop or refresh it. The Admin UI's cookie that is no longer good reads
 * as signed out, so the browser is shown the sign-in page. The good path costs what authenticate
 * costs, nothing more.
 */
export async function callerSession(
  context: Context,
  credential: Credential | undefined,
): Promise<Session | undefined> {
  if (!credential) return undefined
  const authentication = await authenticate(context, credential)
  if (authentication.ok) return authentication.session
  if (credential.kind === 'adminCookie') return undefined
  throw new CredentialRefusedError(authentication)
}

/**
 * The credential an `Authorization` header presents: its Bearer token. A header of another scheme
 * (`Basic`, from a proxy in front, say) or a Bearer without a token presents none, as Saleor reads
 * it; the request is then anonymous, never judged by a cookie beside the header (auth.ts).
 */
export function bearerCredential(header: string): Credential | undefined {
  const token = /^Bearer(?:\s+(.*))?$/is.exec(header.trim())?.[1]?.trim()
  return token ? { kind: 'bearer', token } : undefined
}
