// Under STAFF_MFA_REQUIRED (API.md §9) a staff member signed in with a password alone holds no
// permission, IMPERSONATE_USER included: userImpersonate is refused until it signs in with a
// second factor, through the one permission function (sessionDataOf).
import '../../helpers/env'
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, type TestServer } from '../../helpers/server'
import { tokenFor } from '../../helpers/actors'
import { makeCustomer, makeStaff } from '../../helpers/factories'
import { IMPERSONATE, claimsOf } from './impersonationClient'

let server: TestServer

before(async () => {
  server = await startServer({ env: { STAFF_MFA_REQUIRED: 'true' } })
})
after(async () => {
  await server?.stop()
})

test('STAFF_MFA_REQUIRED: a password-only staff session may not impersonate; one with a second factor may', async () => {
  // given
  const customer = await makeCustomer(server.context)
  const staff = await makeStaff(server.context, ['IMPERSONATE_USER'])
  const passwordOnly = await tokenFor(server.context, staff.id, ['pwd'])
  const withCode = await tokenFor(server.context, staff.id, ['pwd', 'otp', 'mfa'])

  // when
  const refused = await server.gql(IMPERSONATE, { id: customer.id, reason: 'Ticket' }, { token: passwordOnly })
  const allowed = await server.gql(IMPERSONATE, { id: customer.id, reason: 'Ticket' }, { token: withCode })

  // then
  assert.deepEqual(
    refused.body.errors?.map((e: any) => e.extensions?.code),
    ['KS_ACCESS_DENIED'],
    JSON.stringify(refused.body),
  )
  assert.deepEqual(allowed.body.data.userImpersonate.errors, [])
  assert.deepEqual(claimsOf(allowed.body.data.userImpersonate.token).act, { sub: staff.id })
  // and the impersonation's token works: its staff member holds the permission, as standing
  const me = await server.gql('{ me { id } }', {}, { token: allowed.body.data.userImpersonate.token })
  assert.equal(me.body.data?.me?.id, customer.id, JSON.stringify(me.body))
})
