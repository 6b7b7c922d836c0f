// Proof of a mailbox: only the redemption of a one-time link mailed to the address proves that its
// owner reads it. The proof is its own fact on the user (when, and by which link), set only by a
// redemption and cleared whenever the email changes; `isConfirmed` may be set by staff or by the
// configuration and proves nothing.
//
// Who writes it:
// - the redemptions (services/accounts/lifecycle/: confirmAccount, setPasswordWithToken,
//   confirmEmailChange) write `redeemedProof(…)` in the same statement as the rest of the
//   redemption, inside its transaction; the seed gives its superuser OPERATOR_SEED; linking an
//   OpenID provider's verified email to an account never proven writes EXTERNAL_PROVIDER
//   (services/accounts external/linkExternalIdentity.ts: provenByProvider);
// - every other write of a User row goes through the User list (the generated API, the Admin UI and
//   every module's trusted write) and its resolveInput hooks, which apply `proofOnCreate` and
//   `proofChanges`: a new user has no proof, an input never carries one, and a new email drops it;
// - `assertProofFollowsEmail`, called by afterUserChange on every path, refuses (and so rolls back)
//   any write that changed the email and kept a proof, whatever path it came by.

/**
 * How a mailbox was proven: the purpose of the link redeemed, the operator's own seed, or an OpenID
 * provider's verified email claim linked to the account (services/accounts external/linkExternalIdentity.ts).
 */
export const EMAIL_PROOFS = [
  'ACCOUNT_CONFIRMATION',
  'PASSWORD_RESET',
  'EMAIL_CHANGE',
  'OPERATOR_SEED',
  'EXTERNAL_PROVIDER',
] as const
export type EmailProof = (typeof EMAIL_PROOFS)[number]

/** The two columns of the proof, as Prisma and the list name them. */
export type EmailProofColumns = { emailVerifiedAt: Date | null; emailVerifiedBy: string | null }

type ProvenUser = { emailVerifiedAt?: Date | string | null; emailVerifiedBy?: string | null }

/** No proof: what a new user starts with. */
export const NO_PROOF: { emailVerifiedAt: null; emailVerifiedBy: null } = {
  emailVerifiedAt: null,
  emailVerifiedBy: null,
}

/** Whether the owner of this user's current email proved, by a mailed link (or the operator's seed), that it reads it. */
export function hasProvenMailbox(user: ProvenUser): boolean {
  return (
    user.emailVerifiedAt !== null &&
    user.emailVerifiedAt !== undefined &&
    (EMAIL_PROOFS as readonly unknown[]).includes(user.emailVerifiedBy)
  )
}

/**
 * The proof a redemption writes, with the rest of its change and in its transaction: only when the
 * link was mailed to the address the user has now (`sentTo`, kept on the token when it was issued;
 * a link without one proves nothing). For EMAIL_CHANGE, `email` is the new address being written.
 */
export function redeemedProof(
  by: Exclude<EmailProof, 'OPERATOR_SEED' | 'EXTERNAL_PROVIDER'>,
  link: { sentTo?: string | null },
  email: string,
  now: Date = new Date(),
): Partial<EmailProofColumns> {
  if (!link.sentTo || link.sentTo !== email) return {}
  return { emailVerifiedAt: now, emailVerifiedBy: by }
}

/** The proof the seed gives the operator's own superuser (ADMIN_EMAIL): the operator chose that address. */
export function operatorSeedProof(now: Date = new Date()): EmailProofColumns {
  return { emailVerifiedAt: now, emailVerifiedBy: 'OPERATOR_SEED' }
}

/**
 * The proof columns of a write through the User list (the generated API, the Admin UI, and every
 * module's trusted write), given the row before it and the list's resolved data: the write never
 * sets a proof (an input that names one, possible only from code, is dropped), and a write that
 * changes the email clears the proof. `undefined` leaves a column as it is.
 */
export function proofChanges(
  before: { email: string },
  resolvedData: { email?: unknown },
): { emailVerifiedAt: null | undefined; emailVerifiedBy: null | undefined } {
  const emailChanges = typeof resolvedData.email === 'string' && resolvedData.email !== before.email
  return emailChanges
    ? { emailVerifiedAt: null, emailVerifiedBy: null }
    : { emailVerifiedAt: undefined, emailVerifiedBy: undefined }
}

/**
 * Refuse a change that gave the user a new email and kept (or gained) a proof other than the one
 * the verified email change writes (its intent, EMAIL_CHANGED). Every path runs this
 * (afterUserChange), inside the writing transaction, so a path that wrote the row around the User
 * list cannot keep a stale proof.
 */
export function assertProofFollowsEmail(change: {
  before: ({ email: string } & ProvenUser) | null
  after: { email: string } & ProvenUser
  events?: readonly { type: string }[]
}): void {
  const { before, after } = change
  if (!before || before.email === after.email || !hasProvenMailbox(after)) return
  const verifiedChange = change.events?.some(event => event.type === 'EMAIL_CHANGED')
  if (verifiedChange && after.emailVerifiedBy === 'EMAIL_CHANGE') return
  // a programming error, never a user's: the transaction rolls back whole
  throw new Error(`a change gave user ${String((after as { id?: unknown }).id)} a new email and kept its mailbox proof`)
}
