// What the payloads of the password sign-ins share for the second step (API.md §9): `mfaChallenge`
// beside the error MFA_REQUIRED, for a user with TOTP enabled whose password was right
// (tokenCreate, setPassword); tokenCreateMfa answers it. And the guard of the second-factor
// operations of one's own account.
import { g, type Context } from '../shared/g'
import { AccountError, type WithErrors } from '../shared/errors'
import { requireCredentialSession } from '../shared/guards'
import { AccessDeniedError, type FieldError } from '../../services/kernel'
import { MfaRequiredError } from '../../services/identity'

// withErrorsList answers `errors: []` for whatever the resolver returns: the refusal travels apart
export type WithMfaChallenge = WithErrors & { mfaChallenge?: string; mfaRequired?: FieldError[] }

export function mfaChallengeField() {
  return g.field({
    type: g.String,
    description:
      'For an account with two-step sign-in, with the error MFA_REQUIRED and no tokens: pass it to tokenCreateMfa with a code (it lives 5 minutes).',
  })
}

/** The payload's `errors`: MFA_REQUIRED when a challenge was issued, else the mutation's own. */
export function errorsWithMfaField<Source extends WithMfaChallenge>() {
  return g.field({
    type: g.nonNull(g.list(g.nonNull(AccountError))),
    resolve: (source: Source) => source.mfaRequired ?? source.errors ?? [],
  })
}

/** Run a sign-in; a user with TOTP enabled gets the challenge and MFA_REQUIRED instead of tokens. */
export async function orMfaChallenge<T extends object>(signIn: () => Promise<T>): Promise<T | WithMfaChallenge> {
  try {
    return await signIn()
  } catch (error) {
    if (error instanceof MfaRequiredError) return { mfaChallenge: error.challenge, mfaRequired: error.errors }
    throw error
  }
}

/**
 * The signed-in user's id for the second-factor operations of its own account: a sign-in session
 * (a password, a code, a passkey), never a customer API token nor a session without a sign-in,
 * and never an impersonation (staff acting as the user may not change how it signs in).
 */
export function requireSignInSession(context: Context): string {
  const userId = requireCredentialSession(context)
  const session = context.session
  if (!session?.sessionId || session.amr?.includes('imp'))
    throw new AccessDeniedError('Sign in with your own password to change how you sign in.')
  return userId
}
