// Account events (Saleor's CustomerEvent): one row per change, with the acting user, written in
// the same transaction as the change. Parameters never hold a secret.
import type { Context } from '../../generated/keystone/types'
import type { ACCOUNT_EVENT_TYPES } from '../../lists/AccountEvent'

export type AccountEventType = (typeof ACCOUNT_EVENT_TYPES)[number]

export async function recordAccountEvent (
  context: Context,
  args: { type: AccountEventType, userId: string | null, actorId?: string | null, parameters?: Record<string, unknown> }
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
