// customers: customer accounts, never staff, searchable and paged as queries/userList.ts describes.
// Access: MANAGE_USERS (KS_ACCESS_DENIED otherwise). Effects: none. Twin: users (generated).
import type { BaseSchemaMeta } from '@keystone-6/core/graphql-ts'
import { userListQuery } from './userList'

export const customers = (base: BaseSchemaMeta) => userListQuery(base, 'customers', 'MANAGE_USERS')
