// customers and customersCount: customer accounts, searchable by email, names, phone and the
// fields of their addresses. staffUsers and staffUsersCount: staff accounts.
// Access: MANAGE_USERS (customers), MANAGE_STAFF (staff). Effects: none. Twin: users (generated).
import type { BaseSchemaMeta } from '@keystone-6/core/graphql-ts'
import { g } from '../shared/g'
import { requirePermission } from '../shared/guards'
import { withThrownErrors } from '../shared/errors'
import { searchFilter } from '../../services/userSearch'
import type { Permission } from '../../services/permissions'

type ListArgs = { search?: string | null, where?: Record<string, unknown> | null, orderBy?: readonly Record<string, unknown>[] | null, take?: number | null, skip?: number | null }

function where (role: 'customers' | 'staff', args: ListArgs) {
  const parts: Record<string, unknown>[] = [{ isStaff: { equals: role === 'staff' } }]
  if (args.search) parts.push(searchFilter(args.search))
  if (args.where) parts.push(args.where)
  return { AND: parts }
}

function listQuery (base: BaseSchemaMeta, role: 'customers' | 'staff', permission: Permission) {
  return g.field({
    type: g.list(g.nonNull(base.object('User'))),
    args: {
      search: g.arg({ type: g.String }),
      where: g.arg({ type: base.inputObject('UserWhereInput') }),
      orderBy: g.arg({ type: g.list(g.nonNull(base.inputObject('UserOrderByInput'))) }),
      take: g.arg({ type: g.Int }),
      skip: g.arg({ type: g.Int }),
    },
    resolve: withThrownErrors(async (args: ListArgs, context) => {
      requirePermission(context, permission)
      // context.db: the caller's own row filters still apply on top
      return context.db.User.findMany({
        where: where(role, args) as never,
        orderBy: (args.orderBy ?? [{ dateJoined: 'desc' }]) as never,
        take: Math.min(args.take ?? 100, 1000),
        skip: args.skip ?? 0,
      })
    }),
  })
}

function countQuery (base: BaseSchemaMeta, role: 'customers' | 'staff', permission: Permission) {
  return g.field({
    type: g.nonNull(g.Int),
    args: { search: g.arg({ type: g.String }), where: g.arg({ type: base.inputObject('UserWhereInput') }) },
    resolve: withThrownErrors(async (args: ListArgs, context) => {
      requirePermission(context, permission)
      return context.db.User.count({ where: where(role, args) as never })
    }),
  })
}

export const customers = (base: BaseSchemaMeta) => listQuery(base, 'customers', 'MANAGE_USERS')
export const customersCount = (base: BaseSchemaMeta) => countQuery(base, 'customers', 'MANAGE_USERS')
export const staffUsers = (base: BaseSchemaMeta) => listQuery(base, 'staff', 'MANAGE_STAFF')
export const staffUsersCount = (base: BaseSchemaMeta) => countQuery(base, 'staff', 'MANAGE_STAFF')
