// me: the signed-in user, customer or staff, or null for an anonymous caller.
// Access: any caller. Effects: none. Twin: none (Openfront reads authenticatedItem).
import type { BaseSchemaMeta } from '@keystone-6/core/graphql-ts'
import { g } from '../shared/g'

export const me = (base: BaseSchemaMeta) => g.field({
  type: base.object('User'),
  async resolve (_root, _args, context) {
    if (!context.session?.itemId) return null
    // context.db applies the caller's own access rules, and returns items for list-typed fields
    return context.db.User.findOne({ where: { id: context.session.itemId } })
  },
})
