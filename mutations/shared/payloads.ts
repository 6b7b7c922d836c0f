// Pieces shared by payloads and inputs: the `user` field that answers as that user, and
// Saleor's metadata input.
import type { BaseSchemaMeta } from '@keystone-6/core/graphql-ts'
import { g } from './g'
import { actingAs } from '../../services/identity'

/** Where a payload's user is read from: the caller's own rules, or as the user itself. */
export type ReadAs = 'caller' | 'user'

// the context an item was read through, kept on the item so that every field of it, and of the
// rows its relationships lead to, is judged by that context (server/schemaGuards.ts applies it)
export const READ_CONTEXT = Symbol('readContext')

/** The item, marked so its fields resolve through `context` rather than the request's own. */
export function readThrough<T extends object>(item: T | null, context: unknown): T | null {
  return item && { ...item, [READ_CONTEXT]: context }
}

/**
 * The payload's `user`. `user` (the default): read as that user, after a sign-in, a token or a
 * link proved who the caller is; the caller may not be authenticated yet (tokenCreate,
 * setPassword, confirmAccount) or may carry another credential, and the answer is its own
 * account with every field that proof lets it read (a sign-in's `sessionId` reads its sessions). `caller`: read with the caller's own rules, as
 * staff read a user they manage.
 */
export function userField<Source extends { userId?: string; sessionId?: string }>(
  base: BaseSchemaMeta,
  readAs: ReadAs = 'user',
) {
  return g.field({
    type: base.object('User'),
    resolve: async (source: Source, _args, context) => {
      if (!source.userId) return null
      // a sign-in's payload reads as the session it began (its own sessions, that one `current`);
      // otherwise a caller who is that user reads it with its own credential, never with more (a
      // customer API token reads no sessions, whatever payload it asks through)
      if (!source.sessionId && (readAs === 'caller' || context.session?.itemId === source.userId))
        return context.db.User.findOne({ where: { id: source.userId } })
      // the sign-in the payload answers (its session), or no session at all
      const reader = await actingAs(context, source.userId, source.sessionId)
      return readThrough(await reader.db.User.findOne({ where: { id: source.userId } }), reader)
    },
  })
}

/** The token fields of every payload whose sign-in issues tokens (request.ts: answerSignIn fills them). */
export function signedInFields() {
  return {
    token: g.field({ type: g.String, description: 'JWT access token, sent as `Authorization: Bearer`.' }),
    refreshToken: g.field({ type: g.String }),
    csrfToken: g.field({
      type: g.String,
      description: 'Required by tokenRefresh when the refresh token comes from the cookie.',
    }),
  }
}

export const MetadataInput = g.inputObject({
  name: 'MetadataInput',
  fields: {
    key: g.arg({ type: g.nonNull(g.String) }),
    value: g.arg({ type: g.nonNull(g.String) }),
  },
})

export function metadataFromInput(
  items: readonly { key: string; value: string }[] | null | undefined,
): Record<string, string> | undefined {
  if (!items) return undefined
  return Object.fromEntries(items.map(({ key, value }) => [key, value]))
}
