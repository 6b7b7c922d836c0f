// The audit of an impersonation (API.md §10): every mutation operation run in an impersonation
// session leaves one IMPERSONATED_CHANGE event on the customer, with the staff member as actor, in
// the customer's own history (and so in its accountDataExport), whatever the mutation and whether
// or not it records events of its own. The event is written BEFORE the operation runs, naming the
// root fields asked for (each PENDING), and completed after it with each field's outcome: so no
// error thrown mid-operation, nor a process that dies, leaves a change without its row, and a
// failed first write stops the operation before it changes anything. Parameters name the session
// and the fields only: never an argument's value (no personal data in an audit row).
import type { Context } from '../../generated/keystone/types'
import { outsideRequestBudget, someErrorInChain } from '../kernel'
import type { AccountEventType } from './accountEvents'

export const IMPERSONATED_CHANGE: AccountEventType = 'IMPERSONATED_CHANGE'

/**
 * What became of one root field: SUCCEEDED (no error, and an empty payload `errors` list where the
 * payload has one), REFUSED (the caller may not: IMPERSONATION_FORBIDDEN or an access refusal),
 * FAILED (any other error, its code kept), NOT_RUN (an earlier field ended the operation), PENDING
 * (the operation has not ended, or its end was never recorded).
 */
export type FieldOutcome = 'PENDING' | 'SUCCEEDED' | 'FAILED' | 'REFUSED' | 'NOT_RUN'
export type AuditedField = { field: string; outcome: FieldOutcome; code?: string }

// the codes that say the caller may not do this, rather than that it went wrong
const REFUSALS = new Set(['IMPERSONATION_FORBIDDEN', 'KS_ACCESS_DENIED'])

/** The code an error carries (a GraphQL extension, ours, a payload error's), or INTERNAL_SERVER_ERROR. */
export function codeOfError(error: unknown): string {
  let code: string | undefined
  someErrorInChain(error, node => {
    const extensions = node.extensions as Record<string, unknown> | undefined
    const found = typeof extensions?.code === 'string' ? extensions.code : node.code
    if (typeof found === 'string' && /^[A-Z][A-Z0-9_]*$/.test(found)) code = found
    return code !== undefined
  })
  return code ?? 'INTERNAL_SERVER_ERROR'
}

function judged(codes: string[]): { outcome: FieldOutcome; code: string } {
  const refusal = codes.find(code => REFUSALS.has(code))
  return refusal ? { outcome: 'REFUSED', code: refusal } : { outcome: 'FAILED', code: codes[0]! }
}

/**
 * The outcome of a root field from what its resolver ended with: the error it threw, or the payload
 * it returned (whatever the client selected of it); `laterErrors` are the codes of errors the
 * response holds under this field (the items of a many-mutation refused one by one).
 */
export function outcomeOfField(
  ended: { error?: unknown; result?: unknown },
  laterErrors: string[] = [],
): Omit<AuditedField, 'field'> {
  if (ended.error) return judged([codeOfError(ended.error)])
  const listed = (ended.result as { errors?: unknown } | null | undefined)?.errors
  if (Array.isArray(listed) && listed.length > 0) return judged(listed.map(codeOfError))
  if (laterErrors.length > 0) return judged(laterErrors)
  return { outcome: 'SUCCEEDED' }
}

export type ImpersonationAudit = { eventId: string; sessionId: string }

/** Before a mutation operation of an impersonation runs: its row, each field PENDING. Throws when not written. */
export async function openImpersonationAudit(
  context: Context,
  args: { userId: string; actorId: string; sessionId: string; fields: string[] },
): Promise<ImpersonationAudit> {
  const fields: AuditedField[] = args.fields.map(field => ({ field, outcome: 'PENDING' }))
  const event = await context.prisma.accountEvent.create({
    data: {
      type: IMPERSONATED_CHANGE,
      userId: args.userId,
      actorId: args.actorId,
      parameters: { session_id: args.sessionId, fields },
      date: new Date(),
    },
    select: { id: true },
  })
  return { eventId: event.id, sessionId: args.sessionId }
}

/**
 * After it ran: each field's outcome. Outside the request's time budget, so an operation stopped by
 * that budget still has its outcome written.
 */
export async function closeImpersonationAudit(
  context: Context,
  audit: ImpersonationAudit,
  fields: AuditedField[],
): Promise<void> {
  await outsideRequestBudget(() =>
    context.prisma.accountEvent.update({
      where: { id: audit.eventId },
      data: { parameters: { session_id: audit.sessionId, fields } },
    }),
  )
}
