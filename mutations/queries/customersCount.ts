// customersCount: how many customer accounts match the same search and where as customers.
// Access: MANAGE_USERS (KS_ACCESS_DENIED otherwise). Effects: none. Twin: usersCount (generated).
import type { BaseSchemaMeta } from '@keystone-6/core/graphql-ts'
import { userCountQuery } from './userList'

export const customersCount = (base: BaseSchemaMeta) => userCountQuery(base, 'customers', 'MANAGE_USERS')
