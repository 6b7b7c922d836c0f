// The GraphQL builder bound to this project's context type.
import { gWithContext } from '@keystone-6/core'
import type { Context } from '../../generated/keystone/types'

export const g = gWithContext<Context>()
export type { Context }
