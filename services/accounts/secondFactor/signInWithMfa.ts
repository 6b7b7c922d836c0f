// tokenCreateMfa's operation: the second step answered, and the sign-in bound and given tokens.
import type { Context } from '../../../generated/keystone/types'
import {
  assertPasswordLoginAllowed,
  bindExternalSignIn,
  bindSignIn,
  issueTokens,
  type IssuedTokens,
  type SignInClient,
} from '../../identity'
import { answerMfaChallenge } from './answerMfaChallenge'

/** tokenCreateMfa: answer the challenge tokenCreate (or setPassword) gave, and sign in with tokens. */
export async function signInWithMfaForTokens(
  context: Context,
  args: {
    challenge: string
    code: string
    client: SignInClient
    deviceProofOf?: (userId: string) => string | undefined
  },
): Promise<IssuedTokens> {
  const { user, amr, proven, external } = await answerMfaChallenge(context, {
    ...args,
    ip: args.client.ip,
    kind: 'tokens',
  })
  // a provider's sign-in binds through the identity it proved (PASSWORD_LOGIN_MODE does not apply
  // to it, and its user may have no password); a password's through the row its check read
  const begin = (tx: Context, jwtTokenKey: string) =>
    issueTokens(tx, { id: user.id, email: user.email, isStaff: user.isStaff, jwtTokenKey }, { amr, ...args.client })
  if (external) return bindExternalSignIn(context, proven, external, begin)
  assertPasswordLoginAllowed(user)
  return begin(context, await bindSignIn(context, proven))
}
