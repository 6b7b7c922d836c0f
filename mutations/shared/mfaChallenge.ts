// What the payloads of the password sign-ins share for the second step (API.md §9): `mfaChallenge`
// beside the error MFA_REQUIRED, for a user with TOTP enabled whose password was right
// (tokenCreate, setPassword); tokenCreateMfa answers it.
import { g, type Context } from './g'
import { AccountError, type WithErrors } from './errors'
import type { FieldError } from '../../services/kernel'
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
