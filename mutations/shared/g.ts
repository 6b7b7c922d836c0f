// The GraphQL builder bound to this project's context type, and the types a resolver's arguments
// are read from: a field's args and an input object are declared once, with `g`, and the values a
// resolver receives are inferred from that declaration, never written a second time.
import { gWithContext } from '@keystone-6/core'
import type { GArg, GInputType, InferValueFromArgs, InferValueFromInputType } from '@keystone-6/core/graphql-ts'
import type { Context } from '../../generated/keystone/types'

export const g = gWithContext<Context>()
export type { Context }

/** The arguments a resolver receives for these `args`, as GraphQL coerces them. */
export type ArgsOf<Args extends Record<string, GArg<GInputType>>> = InferValueFromArgs<Args>

/** The value of an input object (or any input type) where one is given. */
export type InputOf<Type extends GInputType> = NonNullable<InferValueFromInputType<Type>>

/**
 * Whether two object types name the same keys. Used as `Assert<SameKeys<Input, ServiceType>>` where
 * an input feeds a service whole: neither can gain a field the other does not know.
 */
export type SameKeys<A, B> = [Exclude<keyof A, keyof B> | Exclude<keyof B, keyof A>] extends [never] ? true : false

/** Compiles only when `T` is `true`: a check the compiler makes, with nothing at run time. */
export type Assert<T extends true> = T
