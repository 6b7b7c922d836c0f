// What a way of proving who you are (a strategy) answers, as Payload's auth strategies do: whether
// a credential is its kind, and if so whether it is still good, as a session or a typed refusal.
// services/identity/authenticate.ts tries them in order; one file a strategy, in this folder.
import type { Context } from '../../../generated/keystone/types'
import type { TokenClaims } from '../jwt'
import type { Session, SessionUser } from '../sessions'
import type { SessionState } from '../userSessions'

/** A credential as the client presented it, before anything judged it. */
export type Credential =
  // an API call's `Authorization: Bearer`: an access token or a customer API token
  | { kind: 'bearer'; token: string }
  // tokenVerify's token: an access token only
  | { kind: 'accessToken'; token: string }
  // tokenRefresh's refresh token, from the argument or the cookie
  | { kind: 'refreshToken'; token: string }
  // the Admin UI's sealed cookie: the user's id, a fingerprint of its token key, and its session
  | { kind: 'adminCookie'; itemId: string; key: string; sessionId: string }

/** Why a credential is not (or no longer) good. */
export type RefusalReason =
  | 'unrecognised' // no strategy takes this kind of credential
  | 'malformed' // not a token at all
  | 'expired' // past its expiry
  | 'forged' // a wrong signature, issuer or shape
  | 'wrongPurpose' // a refresh token where an access token is wanted, or the reverse
  | 'noSuchUser' // nobody holds it: the user is gone, or the token was replaced
  | 'inactive' // the account is deactivated
  | 'revoked' // the user's token key is not the one it was issued with
  | 'notCustomer' // a customer API token on a staff account
  | 'sessionEnded' // its session was ended, expired, or never was (a token from before sessions)

/**
 * The contract's code for each refusal (API.md): what tokenVerify and tokenRefresh answer, and what
 * an API call whose Bearer token is refused answers.
 */
export type RefusalCode = 'JWT_DECODE_ERROR' | 'JWT_SIGNATURE_EXPIRED' | 'JWT_INVALID_TOKEN'

/** Each code's message, in Saleor's words. */
export const REFUSAL_MESSAGES: Record<RefusalCode, string> = {
  JWT_SIGNATURE_EXPIRED: 'Signature has expired',
  JWT_DECODE_ERROR: 'Error decoding signature',
  JWT_INVALID_TOKEN: 'Invalid token',
}

export type Refusal = { ok: false; reason: RefusalReason; code: RefusalCode }

export type Authentication =
  { ok: true; session: Session; user: SessionUser; claims?: TokenClaims; signIn?: SessionState } | Refusal

export type AuthStrategy<C extends Credential = Credential> = {
  /** Whether the credential is this strategy's kind. */
  takes(credential: Credential): credential is C
  /** Whether a credential of its kind is still good: the session it proves, or why not. */
  judge(context: Context, credential: C): Promise<Authentication>
}

export function refused(reason: RefusalReason): Refusal {
  const code =
    reason === 'malformed' ? 'JWT_DECODE_ERROR' : reason === 'expired' ? 'JWT_SIGNATURE_EXPIRED' : 'JWT_INVALID_TOKEN'
  return { ok: false, reason, code }
}
