// The list and count queries shared by customers, customersCount, staffUsers and staffUsersCount:
// users of one role, searchable by email, names, phone and the fields of their addresses (3
// characters or more, by index: services/users/search.ts), paged by skip or by cursor
// (services/users/cursor.ts), behind one permission.
import type { BaseSchemaMeta } from '@keystone-6/core/graphql-ts'
import { g, type ArgsOf } from '../shared/g'
import { requirePermission } from '../shared/guards'
import { withThrownErrors } from '../shared/errors'
import { countSearchedUsers, searchTermOf, userSearchFilter } from '../../services/users'
import { cursorFilter, isKeysetOrder, withTieBreak, type OrderBy } from '../../services/users'
import type { Permission } from '../../services/identity'

export type UserRole = 'customers' | 'staff'

/** The arguments of a list query: the caller's search and filter, its order and page. */
function listArgs(base: BaseSchemaMeta) {
  return {
    search: g.arg({ type: g.String }),
    where: g.arg({ type: base.inputObject('UserWhereInput') }),
    orderBy: g.arg({ type: g.list(g.nonNull(base.inputObject('UserOrderByInput'))) }),
    take: g.arg({ type: g.Int }),
    skip: g.arg({ type: g.Int }),
    cursor: g.arg({ type: base.inputObject('UserWhereUniqueInput') }),
  }
}

type ListArgs = ArgsOf<ReturnType<typeof listArgs>>

// search is one more filter beside the role and the caller's where: Keystone still applies the
// caller's own access filter on top, and orders and pages
function roleWhere(role: UserRole, args: Pick<ListArgs, 'where'>): Record<string, unknown> {
  const parts: Record<string, unknown>[] = [{ isStaff: { equals: role === 'staff' } }]
  if (args.where) parts.push(args.where)
  return { AND: parts }
}

function isNewestFirst(orderBy: OrderBy): boolean {
  return JSON.stringify(orderBy) === JSON.stringify([{ dateJoined: 'desc' }, { id: 'desc' }])
}

/** A `[User!]` query of one role, behind one permission. */
export function userListQuery(base: BaseSchemaMeta, role: UserRole, permission: Permission) {
  return g.field({
    type: g.list(g.nonNull(base.object('User'))),
    args: listArgs(base),
    resolve: withThrownErrors(async (args: ListArgs, context) => {
      requirePermission(context, permission)
      const isStaff = role === 'staff'
      const term = searchTermOf(args.search)
      const orderBy = withTieBreak(args.orderBy?.length ? (args.orderBy as OrderBy) : [{ dateJoined: 'desc' }])
      const parts = [roleWhere(role, args)]
      const take = Math.min(args.take ?? 100, 1000)
      const skip = args.skip ?? 0
      // newest first with no other filter: the search may name the page's own rows
      const newestFirst =
        !args.where && !args.cursor && skip >= 0 && take > 0 && isNewestFirst(orderBy) ? skip + take : undefined
      if (term) parts.push(await userSearchFilter(context, { term, isStaff, newestFirst }))
      const keyset = args.cursor && isKeysetOrder(orderBy)
      if (keyset) {
        const after = await cursorFilter(context, { cursor: args.cursor!, orderBy })
        if (!after) return []
        parts.push(after)
      }
      // context.db: the caller's own row filters still apply on top
      return context.db.User.findMany({
        where: { AND: parts } as never,
        orderBy: orderBy as never,
        take,
        skip,
        ...(args.cursor && !keyset ? { cursor: args.cursor as never } : {}),
      })
    }),
  })
}

/** The matching `Int!` count of one role, behind the same permission. */
export function userCountQuery(base: BaseSchemaMeta, role: UserRole, permission: Permission) {
  const all = listArgs(base)
  const countArgs = { search: all.search, where: all.where }
  return g.field({
    type: g.nonNull(g.Int),
    args: countArgs,
    resolve: withThrownErrors(async (args: ArgsOf<typeof countArgs>, context) => {
      requirePermission(context, permission)
      const term = searchTermOf(args.search)
      const where = roleWhere(role, args)
      if (!term) return context.db.User.count({ where: where as never })
      return countSearchedUsers(context, { term, isStaff: role === 'staff', where })
    }),
  })
}
