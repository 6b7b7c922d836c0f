// What the impersonation tests share: userImpersonate as a staff client sends it, and what a
// customer's account holds that an impersonation must not change.
import assert from 'node:assert/strict'
import type { Context } from '../../../generated/keystone/types'
import type { TestServer } from '../../helpers/server'
import { tokenFor } from '../../helpers/actors'
import { makeCustomer, makeStaff } from '../../helpers/factories'

export const IMPERSONATE = `mutation($id: ID!, $reason: String!) {
  userImpersonate(id: $id, reason: $reason) { token errors { field code message } } }`
export const ME_AS = '{ me { id email impersonatedBy { id email } } }'

/** Claims of a JWT, read without checking it. */
export function claimsOf(token: string): Record<string, any> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8'))
}

/** A customer, staff holding IMPERSONATE_USER signed in with a password, and its token. */
export async function supportAndCustomer(context: Context) {
  const customer = await makeCustomer(context)
  const staff = await makeStaff(context, ['IMPERSONATE_USER'])
  return { customer, staff, staffToken: await tokenFor(context, staff.id) }
}

/** userImpersonate that must succeed: the customer's impersonation token. */
export async function impersonate(
  server: TestServer,
  staffToken: string,
  userId: string,
  reason = 'Ticket 4711: checkout fails',
): Promise<string> {
  const res = await server.gql(IMPERSONATE, { id: userId, reason }, { token: staffToken })
  assert.deepEqual(res.body.data?.userImpersonate?.errors, [], JSON.stringify(res.body))
  const token = res.body.data.userImpersonate.token
  assert.equal(typeof token, 'string')
  return token
}

/** Everything of a user an impersonation must leave as it found it: its row's credentials, factors, sessions, links. */
export async function credentialState(context: Context, userId: string) {
  const prisma = context.sudo().prisma
  const user = await prisma.user.findUniqueOrThrow({ where: { id: userId } })
  return {
    email: user.email,
    password: user.password,
    jwtTokenKey: user.jwtTokenKey,
    customerTokenHash: user.customerTokenHash,
    totpSecret: user.totpSecret,
    totpPendingSecret: user.totpPendingSecret,
    totpEnabledAt: user.totpEnabledAt,
    isActive: user.isActive,
    passkeys: (await prisma.passkeyCredential.findMany({ where: { userId }, orderBy: { id: 'asc' } })).map(p => [
      p.id,
      p.name,
    ]),
    recoveryCodes: await prisma.recoveryCode.count({ where: { userId } }),
    liveSessions: (await prisma.authSession.findMany({ where: { userId, endedAt: null }, orderBy: { id: 'asc' } })).map(
      s => s.id,
    ),
    links: await prisma.oneTimeToken.count({ where: { userId } }),
    challenges: await prisma.authChallenge.count({ where: { userId } }),
    // the audit row of the attempt itself (IMPERSONATED_CHANGE) is asserted by the tests that expect it
    events: await prisma.accountEvent.count({ where: { userId, type: { not: 'IMPERSONATED_CHANGE' } } }),
    mails: await prisma.outboxMail.count({ where: { userId } }),
  }
}

/** The outcomes the IMPERSONATED_CHANGE events on a user record, oldest first: [field, outcome, code?] per root field. */
export async function auditedFields(context: Context, userId: string): Promise<string[][]> {
  const events = await context.sudo().prisma.accountEvent.findMany({
    where: { userId, type: 'IMPERSONATED_CHANGE' },
    orderBy: [{ date: 'asc' }, { id: 'asc' }],
  })
  return events.flatMap(e =>
    ((e.parameters as { fields: { field: string; outcome: string; code?: string }[] }).fields ?? []).map(f =>
      [f.field, f.outcome, f.code ?? ''].filter(Boolean),
    ),
  )
}
