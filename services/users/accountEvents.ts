// Account events (Saleor's CustomerEvent): one row per change, with the acting user, written in
// the same transaction as the change. Parameters never hold a secret.
import type { Context } from '../../generated/keystone/types'

export const ACCOUNT_EVENT_TYPES = [
  'ACCOUNT_CREATED',
  'ACCOUNT_CREATED_FROM_STAFF',
  'ACCOUNT_ACTIVATED',
  'ACCOUNT_DEACTIVATED',
  'PASSWORD_RESET_LINK_SENT',
  'ACCOUNT_CONFIRMATION_RESENT',
  'SIGNED_OUT_EVERYWHERE',
  'PASSWORD_RESET',
  'PASSWORD_CHANGED',
  'EMAIL_CHANGED_REQUEST',
  'EMAIL_CHANGED',
  'EMAIL_ASSIGNED',
  'NAME_ASSIGNED',
  'NOTE_ADDED',
  'ACCOUNT_DELETION_REQUESTED',
  'ACCOUNT_DELETED',
  'PLACED_ORDER',
  'STAFF_PROMOTED',
  'STAFF_UPDATED',
  'SESSION_REVOKED',
  'REFRESH_TOKEN_REUSED',
  'TOTP_ENABLED',
  'TOTP_DISABLED',
  'SECOND_FACTOR_RESET',
  'RECOVERY_CODE_USED',
  'RECOVERY_CODES_REGENERATED',
  'PASSKEY_ADDED',
  'PASSKEY_REMOVED',
  // staff began to act as the customer (userImpersonate); { reason, session_id }, the staff member as actor
  'IMPERSONATION_STARTED',
  // a copy of everything held (accountDataExport, customerDataExport); { by: self | staff }
  'DATA_EXPORTED',
  // a mutation operation run in an impersonation (server/impersonationAudit.ts): { session_id, fields:
  // [{ field, outcome, code? }] }, the staff member as actor, never an argument's value
  'IMPERSONATED_CHANGE',
  // an identity at an OpenID provider linked to the account (its first sign-in there) or unlinked
  // (externalAccountUnlink); { provider }
  'EXTERNAL_ACCOUNT_LINKED',
  'EXTERNAL_ACCOUNT_UNLINKED',
] as const

export type AccountEventType = (typeof ACCOUNT_EVENT_TYPES)[number]

export async function recordAccountEvent(
  context: Context,
  args: {
    type: AccountEventType
    userId: string | null
    actorId?: string | null
    parameters?: Record<string, unknown>
  },
): Promise<void> {
  await context.prisma.accountEvent.create({
    data: {
      type: args.type,
      userId: args.userId,
      actorId: args.actorId ?? null,
      parameters: (args.parameters ?? {}) as object,
      date: new Date(),
    },
  })
}
