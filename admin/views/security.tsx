// The "Security" area of a user's page (lists/secondFactorFields.ts): whether a second factor is on.
export { controller } from '@keystone-6/core/fields/types/virtual/views'
export { Field, Cell } from './yesNo'
