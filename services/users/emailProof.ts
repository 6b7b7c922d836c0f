// Proof of a mailbox: only the redemption of a one-time link mailed to the address proves that its
// owner reads it. The proof is its own fact on the user (when, and by which link), set only by a
// redemption and cleared whenever the email changes; `isConfirmed` may be set by staff or by the
// configuration and proves nothing.

/** How a mailbox was proven: the purpose of the link redeemed, or the operator's own seed. */
export const EMAIL_PROOFS = ['ACCOUNT_CONFIRMATION', 'PASSWORD_RESET', 'EMAIL_CHANGE', 'OPERATOR_SEED'] as const
export type EmailProof = (typeof EMAIL_PROOFS)[number]
