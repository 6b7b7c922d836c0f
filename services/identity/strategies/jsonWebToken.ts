// Access and refresh tokens (JWTs): good while the signature, issuer and expiry hold, the token is
// of the purpose asked for (an API call and tokenVerify take access tokens, tokenRefresh refresh
// tokens), its user exists and is active, the user's token key is still the one it carries
// (rotating the key, on a password change or reset, an email change, deactivation or
// tokensDeactivateAll, ends every token at once), and its session (`sid`) is alive: read in the
// same statement as the user, so the check costs no round trip. Which generation of a refresh
// token is current is refresh rotation's to judge (refreshRotation.ts). An impersonation (amr
// `imp`, API.md §10) is good only while its token's `act` names the staff member its session row
// names, that staff member still may impersonate (active staff holding IMPERSONATE_USER: a
// demotion or deactivation ends it at once; one more statement, on these sessions only), and never
// through a refresh token: it has none, and none is honoured.
import type { Context } from '../../../generated/keystone/types'
import { verifyToken, type TokenType } from '../jwt'
import { isCustomerToken } from '../customerTokens'
import { isSameSecret } from '../sameSecret'
import { impersonatorMayAct, isImpersonation, loadSessionUser, sessionOf } from '../sessions'
import { isSessionAlive, recordSessionUse } from '../userSessions'
import { refused, type AuthStrategy, type Authentication, type Credential } from './strategy'

type TokenCredential = Extract<Credential, { kind: 'bearer' | 'accessToken' | 'refreshToken' }>

export const jsonWebTokenStrategy: AuthStrategy<TokenCredential> = {
  takes(credential): credential is TokenCredential {
    if (credential.kind === 'bearer') return !isCustomerToken(credential.token)
    return credential.kind === 'accessToken' || credential.kind === 'refreshToken'
  },
  judge,
}

async function judge(context: Context, credential: TokenCredential): Promise<Authentication> {
  const verified = await verifyToken(credential.token)
  if (!verified.ok) return refused(verified.fault)
  const { claims } = verified
  if (claims.type !== purposeOf(credential)) return refused('wrongPurpose')
  const user = await loadSessionUser(context, { id: claims.sub, sessionId: claims.sid })
  if (!user) return refused('noSuchUser')
  if (!user.isActive) return refused('inactive')
  if (!user.jwtTokenKey || !isSameSecret(claims.token, user.jwtTokenKey)) return refused('revoked')
  const signIn = user.sessionState
  if (!signIn || signIn.kind !== 'tokens' || !isSessionAlive(signIn, user.jwtTokenKey)) return refused('sessionEnded')
  // the token's actor and its session's agree, both ways: neither is trusted alone
  if ((claims.act?.sub ?? '') !== (isImpersonation(signIn) ? signIn.actorId : '')) return refused('forged')
  if (isImpersonation(signIn)) {
    if (claims.type !== 'access') return refused('wrongPurpose')
    if (!(await impersonatorMayAct(context, signIn))) return refused('revoked')
  }
  await recordSessionUse(context, signIn)
  return { ok: true, session: sessionOf(user, 'jwt', signIn), user, claims, signIn }
}

function purposeOf(credential: TokenCredential): TokenType {
  return credential.kind === 'refreshToken' ? 'refresh' : 'access'
}
