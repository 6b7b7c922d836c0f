// adminSignInWithPasskey: sign in to the Admin UI with a passkey, no password: the authentication
// response (@simplewebauthn/browser's startAuthentication answer to passkeyAuthenticationOptions)
// starts the Admin UI's cookie session, amr hwk, mfa (a passkey counts as two factors). The one
// passkey sign-in (verifyPasskeySignIn) judges it; the Admin UI admits active, confirmed staff
// only, and anyone else's passkey fails as an unknown one does.
// Access: the Admin UI's own origin (auth.ts: restrictAdminSignIn). Effects: as tokenCreateWithPasskey (the challenge spent, the
// counter and lastUsedAt, lastLogin), then an Admin UI session, its cookie and a device proof.
// Twin: tokenCreateWithPasskey (tokens instead of a cookie).
import { g, type ArgsOf } from '../shared/g'
import { costly } from '../../lists/costlyWork'
import { errorsField, withErrorsList, type WithErrors } from '../shared/errors'
import { clientIp } from '../shared/request'
import { startAdminCookie } from '../shared/adminSignIn'
import { verifyPasskeySignIn } from '../../services/identity'
import { DomainError } from '../../services/kernel'

const args = {
  response: g.arg({
    type: g.nonNull(g.JSON),
    description: 'AuthenticationResponseJSON, as startAuthentication answers.',
  }),
}

const refused = () =>
  new DomainError({ field: 'response', code: 'INVALID_CREDENTIALS', message: 'This passkey does not sign in here.' })

export const adminSignInWithPasskey = g.field({
  type: g.object<WithErrors>()({ name: 'AdminSignInWithPasskeyPayload', fields: { errors: errorsField() } }),
  args,
  // a sign-in: one per request, as a password check is
  extensions: costly('password'),
  resolve: withErrorsList(async ({ response }: ArgsOf<typeof args>, context) => {
    await verifyPasskeySignIn(
      context.sudo(),
      { response, ip: clientIp(context) },
      async (tx, { user, amr, passkeyId }) => {
        const row = await tx.prisma.user.findUnique({
          where: { id: user.id },
          select: { isStaff: true, isActive: true, isConfirmed: true },
        })
        if (!row?.isStaff || !row.isActive || !row.isConfirmed || !user.jwtTokenKey) throw refused()
        if (!(await startAdminCookie(tx, user.id, { tokenKey: user.jwtTokenKey, amr, passkeyId }))) throw refused()
      },
    )
    return {}
  }),
})
