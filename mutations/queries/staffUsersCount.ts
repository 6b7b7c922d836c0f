// staffUsersCount: how many staff accounts match the same search and where as staffUsers.
// Access: MANAGE_STAFF (KS_ACCESS_DENIED otherwise). Effects: none. Twin: usersCount (generated).
import type { BaseSchemaMeta } from '@keystone-6/core/graphql-ts'
import { userCountQuery } from './userList'

export const staffUsersCount = (base: BaseSchemaMeta) => userCountQuery(base, 'staff', 'MANAGE_STAFF')
