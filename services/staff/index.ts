// Staff users, permission groups and the scope rules no one can use to grant more than they hold. Imports kernel, identity, messaging, users.
// This file is the module's whole surface: code outside services/staff/ imports from here only.
export { createPermissionGroup, deletePermissionGroup, updatePermissionGroup } from './permissionGroups'
export type { GroupInput } from './permissionGroups'
export { assertStaffChange, judgeStaffChange, judgeUserReach, lockStaffScope } from './scope'
export type { GroupChange, StaffChange, UserChange } from './scope'
export { createStaff, deleteStaff, updateStaff } from './staffUsers'
export type { StaffInput } from './staffUsers'
export { findUserOfKind, removeUsers } from './userRemoval'
export type { UserKind } from './userRemoval'
