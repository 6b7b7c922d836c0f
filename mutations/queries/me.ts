// me: the signed-in user, customer or staff, or null for an anonymous caller.
// Access: any caller. Effects: none. Twin: none (Openfront reads authenticatedItem).
import type { BaseSchemaMeta } from '@keystone-6/core/graphql-ts'
import { g } from '../shared/g'
import { itemOfSession } from '../../services/identity'

export const me = (base: BaseSchemaMeta) =>
  g.field({
    type: base.object('User'),
    async resolve(_root, _args, context) {
      if (!context.session?.itemId) return null
      // the row the session was read from in this same request: one statement for the whole of
      // `me`. It is the caller's own row, which the caller may always read (access/rules.ts); its
      // fields still pass their own field access as they resolve
      const item = itemOfSession(context.session)
      if (item?.id === context.session.itemId) return item
      // context.db applies the caller's own access rules, and returns items for list-typed fields
      return context.db.User.findOne({ where: { id: context.session.itemId } })
    },
  })
