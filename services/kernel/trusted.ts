// The trusted path: a context a module makes after it has judged a change itself, on which the
// list hooks of lists/User.ts, lists/PermissionGroup.ts (lists/scopeHooks.ts) and the schema
// guards (server/schemaGuards.ts) skip their access and scope checks.
//
// Keystone rebuilds the context in sudo(), withSession() and transaction(), but hands the same
// session object along each time, so the mark sits on the session: a copy of the actor's session
// (or an empty system session) that only `trusted` ever puts in the set. A plain context.sudo(),
// a generated mutation or the Admin UI can never carry it.
import type { Context } from '../../generated/keystone/types'

const marks = new WeakSet<object>()

/**
 * A sudo context acting as `actor` (null: the system, for scripts and tests) that the list hooks trust.
 * WARNING: only a module that judged the change it is about to write may call this
 * (and scripts/seed.ts, tests/helpers/factories.ts).
 */
export function trusted(context: Context, actor: object | null | undefined): Context {
  // a copy: marking the caller's own session would trust every context that carries it
  const session = { ...(actor ?? {}) }
  marks.add(session)
  return context.sudo().withSession(session)
}

/** Whether this context was made by `trusted` (or derived from one, keeping its session). */
export function isTrusted(context: { session?: unknown }): boolean {
  const session = context.session
  return typeof session === 'object' && session !== null && marks.has(session)
}
