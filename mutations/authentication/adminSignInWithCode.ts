// adminSignInWithCode: the Admin UI's second sign-in step: after a right password of a staff user
// with TOTP (authenticateUserWithPassword answered MFA_REQUIRED and left the challenge in an
// http-only cookie), a code from the authenticator app or a recovery code starts the Admin UI's
// cookie session, amr pwd, otp, mfa. The same judge as tokenCreateMfa (answerMfaChallenge, kind
// adminCookie: a tokenCreate challenge does not finish here, nor this one there).
// Access: the Admin UI's own origin (auth.ts: restrictAdminSignIn), holding a challenge. Effects: as tokenCreateMfa (the challenge
// spent or counted, the code used once, the sign-in throttle, RECOVERY_CODE_USED event and mail for
// a recovery code), then an Admin UI session, its cookie and a device proof; the challenge cookie
// cleared. Twin: tokenCreateMfa (tokens instead of a cookie).
import { g, type ArgsOf } from '../shared/g'
import { costly } from '../../lists/costlyWork'
import { errorsField, withErrorsList, type WithErrors } from '../shared/errors'
import { clientIp, deviceProofReader } from '../shared/request'
import { clearAdminChallengeCookie, readAdminChallenge, startAdminCookie } from '../shared/adminSignIn'
import { answerMfaChallenge } from '../../services/accounts'
import { bindExternalSignIn, invalidMfaChallenge } from '../../services/identity'

const args = {
  code: g.arg({
    type: g.nonNull(g.String),
    description: 'The 6-digit code of the authenticator app (spaces allowed), or a recovery code.',
  }),
}

export const adminSignInWithCode = g.field({
  type: g.object<WithErrors>()({ name: 'AdminSignInWithCodePayload', fields: { errors: errorsField() } }),
  args,
  // a sign-in, and a recovery code's mail: one per request
  extensions: costly('password', 'mail'),
  resolve: withErrorsList(async ({ code }: ArgsOf<typeof args>, context) => {
    const answer = await answerMfaChallenge(context.sudo(), {
      challenge: readAdminChallenge(context),
      code,
      ip: clientIp(context),
      kind: 'adminCookie',
      deviceProofOf: deviceProofReader(context.req),
    })
    const { user, amr, proven, external } = answer
    // the password step admitted active, confirmed staff only; one demoted since gets nothing
    if (!user.isStaff || !user.isActive || !user.isConfirmed) throw invalidMfaChallenge()
    // a provider's first step binds through the identity it proved, beginning the session in the
    // bind's transaction (externalSignIn.ts); a password's through its row
    const started = external
      ? await bindExternalSignIn(context.sudo(), proven, external, (tx, tokenKey) =>
          startAdminCookie(tx, user.id, { tokenKey, amr }),
        )
      : await startAdminCookie(context, user.id, { proven, amr })
    if (!started) throw invalidMfaChallenge()
    // after the session cookie, which Keystone sets in place of any other
    clearAdminChallengeCookie(context)
    return {}
  }),
})
