// Pieces shared by payloads and inputs: the `user` field that answers as that user, and
// Saleor's metadata input.
import type { BaseSchemaMeta } from '@keystone-6/core/graphql-ts'
import { g } from './g'
import { actingAs } from '../../services/identity'

/**
 * The payload's `user`, read as that user: after sign-in, confirmation or reset the caller is
 * not yet authenticated, yet the answer is its own account, with the user's own access rules.
 */
export function userField<Source extends { userId?: string }>(base: BaseSchemaMeta) {
  return g.field({
    type: base.object('User'),
    resolve: async (source: Source, _args, context) => {
      if (!source.userId) return null
      return (await actingAs(context, source.userId)).db.User.findOne({ where: { id: source.userId } })
    },
  })
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
