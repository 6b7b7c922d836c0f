// The actors of the access tests, each a real user with its own Bearer access token of a session of its own.
import type { Context } from '../../generated/keystone/types'
import { issueTokens } from '../../services/identity/tokens'
import type { AuthMethod } from '../../services/identity/userSessions'
import { PERMISSIONS } from '../../services/identity/permissionCodes'
import { makeCustomer, makeStaff, makeSuperuser } from './factories'

export type Actor = { name: string; id?: string; email?: string; token?: string }

export const ACTOR_NAMES = ['anonymous', 'customer', 'otherCustomer', 'supportStaff', 'fullStaff', 'superuser'] as const
export type ActorName = (typeof ACTOR_NAMES)[number]
export type Actors = Record<ActorName, Actor>

/** An access token of a new session of the user, signed in as `amr` says (a password alone by default). */
export async function tokenFor(context: Context, userId: string, amr: AuthMethod[] = ['pwd']): Promise<string> {
  const user = await context.sudo().db.User.findOne({ where: { id: userId } })
  if (!user) throw new Error(`no user ${userId}`)
  // a sign-in of its own: a session, as every sign-in begins one
  const tokenUser = { id: String(user.id), email: user.email, isStaff: user.isStaff, jwtTokenKey: user.jwtTokenKey }
  const tokens = await issueTokens(context.sudo(), tokenUser, { amr, ip: '127.0.0.1', userAgent: 'tests' })
  return tokens.accessToken
}

async function actor(context: Context, name: string, user: { id: string; email: string }): Promise<Actor> {
  return { name, id: String(user.id), email: user.email, token: await tokenFor(context, String(user.id)) }
}

/** Make one user of each role: two customers, support staff (MANAGE_USERS), full staff (every permission), a superuser. */
export async function makeActors(context: Context): Promise<Actors> {
  return {
    anonymous: { name: 'anonymous' },
    customer: await actor(context, 'customer', await makeCustomer(context)),
    otherCustomer: await actor(context, 'otherCustomer', await makeCustomer(context)),
    supportStaff: await actor(context, 'supportStaff', await makeStaff(context, ['MANAGE_USERS'])),
    fullStaff: await actor(context, 'fullStaff', await makeStaff(context, [...PERMISSIONS])),
    superuser: await actor(context, 'superuser', await makeSuperuser(context)),
  }
}
