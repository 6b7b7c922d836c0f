// A person's copy of its data (accountDataExport, customerDataExport): everything held about one
// user, read in one Prisma query whose select is built from the allow-list in dataExportPlan.ts,
// and never a secret. Who may ask: the user itself in a session it signed in to (the mutation's
// guard: never a customer API token nor an impersonation), or, judged here, staff
// with MANAGE_USERS for a customer they reach by the staff scope rules (judgeUserReach), anything
// else NOT_FOUND. Each export is recorded as a DATA_EXPORTED event on the person, with who asked.
import type { Context } from '../../generated/keystone/types'
import type { Session } from '../identity'
import { DomainError } from '../kernel'
import { sanitizeForWebhook } from '../messaging'
import { judgeUserReach } from '../staff'
import { recordAccountEvent } from '../users'
import { USER_COLUMNS, USER_RELATIONS, selectFor, type ExportAudience } from './dataExportPlan'
import { findCustomer } from './customers'

export type AccountDataExport = Record<string, unknown>

/** The signed-in user's own data. */
export async function exportOwnData(context: Context, caller: Session): Promise<AccountDataExport> {
  const data = await exportUserData(context, caller.itemId, 'self')
  await recordAccountEvent(context, {
    type: 'DATA_EXPORTED',
    userId: caller.itemId,
    actorId: caller.itemId,
    parameters: { by: 'self' },
  })
  return data
}

/** A customer's data for staff with MANAGE_USERS (checked by the caller); out of reach is NOT_FOUND. */
export async function exportCustomerData(context: Context, actor: Session, id: string): Promise<AccountDataExport> {
  const customer = await findCustomer(context, id)
  if ((await judgeUserReach(context, actor, customer)).length)
    throw new DomainError({ field: 'id', code: 'NOT_FOUND', message: 'Customer not found.' })
  const data = await exportUserData(context, customer.id, 'staff')
  await recordAccountEvent(context, {
    type: 'DATA_EXPORTED',
    userId: customer.id,
    actorId: actor.itemId,
    parameters: { by: 'staff' },
  })
  return data
}

/** Everything the plan exports to `audience` about one user, as plain JSON values. */
export async function exportUserData(
  context: Context,
  userId: string,
  audience: ExportAudience,
): Promise<AccountDataExport> {
  const select: Record<string, unknown> = selectFor(USER_COLUMNS, audience)
  for (const [field, plan] of Object.entries(USER_RELATIONS))
    if (!('excluded' in plan)) select[field] = { select: selectFor(plan.columns, audience) }
  const row = (await context.prisma.user.findUniqueOrThrow({ where: { id: userId }, select })) as Record<
    string,
    unknown
  >

  const profile: Record<string, unknown> = {}
  for (const column of Object.keys(selectFor(USER_COLUMNS, audience))) profile[column] = row[column]
  const recoveryCodes = (row.from_RecoveryCode_user ?? []) as { usedAt: Date | null }[]
  profile.totpEnabled = row.totpEnabledAt !== null
  profile.recoveryCodesLeft = profile.totpEnabled ? recoveryCodes.filter(code => code.usedAt === null).length : 0

  const data: Record<string, unknown> = { exportedAt: new Date(), user: profile }
  for (const [field, plan] of Object.entries(USER_RELATIONS))
    if (!('excluded' in plan)) data[plan.as] = row[field] ?? []
  data.events = await eventsAsSeen(context, (data.events ?? []) as EventRow[], { userId, audience })
  // one JSON round trip: dates as ISO strings, no prototype, exactly what the client receives
  return JSON.parse(JSON.stringify(data)) as AccountDataExport
}

type EventRow = { id: string; type: string; date: Date | null; actorId: string | null; parameters: unknown }

// oldest first; an actor as the person sees it: itself, or another user's id (staff also see its email);
// parameters without any secret-named key (the webhook payloads' rule)
async function eventsAsSeen(
  context: Context,
  events: EventRow[],
  { userId, audience }: { userId: string; audience: ExportAudience },
): Promise<unknown[]> {
  const actorIds = [...new Set(events.flatMap(e => (e.actorId && e.actorId !== userId ? [e.actorId] : [])))]
  const emails = new Map<string, string>()
  if (audience === 'staff' && actorIds.length) {
    const actors = await context.prisma.user.findMany({
      where: { id: { in: actorIds } },
      select: { id: true, email: true },
    })
    for (const actor of actors) emails.set(actor.id, actor.email)
  }
  return [...events]
    .sort((a, b) => (a.date?.getTime() ?? 0) - (b.date?.getTime() ?? 0) || a.id.localeCompare(b.id))
    .map(({ actorId, parameters, ...event }) => ({
      ...event,
      actor:
        actorId === null
          ? null
          : actorId === userId
            ? { id: actorId, self: true }
            : { id: actorId, self: false, ...(emails.has(actorId) ? { email: emails.get(actorId) } : {}) },
      parameters: sanitizeForWebhook(parameters ?? {}),
    }))
}
