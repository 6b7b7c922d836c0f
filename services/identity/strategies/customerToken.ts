// Customer API tokens (`ctk_…`, Openfront's regenerateCustomerToken) on an API call's
// `Authorization: Bearer`: good while an active customer holds the token. The user is found by
// the token's SHA-256 through a unique index, so a request costs one indexed lookup however many
// tokens exist; regenerating the token replaces the hash, so the old one finds nobody. The use is
// recorded at most once a minute, so a busy integration is not a write per request.
import type { Context } from '../../../generated/keystone/types'
import { hashCustomerToken, isCustomerToken } from '../customerTokens'
import { isSameSecret } from '../sameSecret'
import { loadSessionUser, sessionOf, type SessionUser } from '../sessions'
import { refused, type AuthStrategy, type Authentication, type Credential } from './strategy'

type BearerCredential = Extract<Credential, { kind: 'bearer' }>

const LAST_USED_RESOLUTION_MS = 60_000

export const customerTokenStrategy: AuthStrategy<BearerCredential> = {
  takes(credential): credential is BearerCredential {
    return credential.kind === 'bearer' && isCustomerToken(credential.token)
  },
  judge,
}

async function judge(context: Context, credential: BearerCredential): Promise<Authentication> {
  const hash = hashCustomerToken(credential.token)
  const user = await loadSessionUser(context, { customerTokenHash: hash })
  // the row was found by this hash; the comparison says so in the words every strategy uses
  if (!user || !isSameSecret(hash, String(user.item.customerTokenHash ?? ''))) return refused('noSuchUser')
  if (!user.isActive) return refused('inactive')
  if (user.isStaff) return refused('notCustomer')
  await recordUse(context, user)
  return { ok: true, session: sessionOf(user, 'customerToken'), user }
}

async function recordUse(context: Context, user: SessionUser): Promise<void> {
  const now = Date.now()
  if (user.customerTokenLastUsedAt && now - user.customerTokenLastUsedAt.getTime() <= LAST_USED_RESOLUTION_MS) return
  await context.prisma.user.update({ where: { id: user.id }, data: { customerTokenLastUsedAt: new Date(now) } })
}
