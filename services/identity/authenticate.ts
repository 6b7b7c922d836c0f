// Whether a credential is still good, decided once: for an API call (auth.ts), tokenVerify and
// tokenRefresh alike. Each way of proving who you are is a strategy of its own in strategies/,
// tried in order, as Payload's executeAuthStrategies does; a new way in (a server-side session,
// say) is one file there and one line in STRATEGIES.
import type { Context } from '../../generated/keystone/types'
import { adminCookieStrategy } from './strategies/adminCookie'
import { customerTokenStrategy } from './strategies/customerToken'
import { jsonWebTokenStrategy } from './strategies/jsonWebToken'
import { refused, type AuthStrategy, type Authentication, type Credential } from './strategies/strategy'

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

/**
 * The credential an `Authorization` header presents. A header that is not `Bearer <token>` presents
 * an empty token, which no strategy admits: a request that carries the header is judged by it
 * alone, never by a cookie beside it.
 */
export function bearerCredential(header: string): Credential {
  return { kind: 'bearer', token: /^Bearer\s+(\S+)$/i.exec(header)?.[1] ?? '' }
}
