// staffUsers: staff accounts, never customers, searchable and paged as queries/userList.ts describes.
// Access: MANAGE_STAFF (KS_ACCESS_DENIED otherwise). Effects: none. Twin: users (generated).
import type { BaseSchemaMeta } from '@keystone-6/core/graphql-ts'
import { userListQuery } from './userList'

export const staffUsers = (base: BaseSchemaMeta) => userListQuery(base, 'staff', 'MANAGE_STAFF')
