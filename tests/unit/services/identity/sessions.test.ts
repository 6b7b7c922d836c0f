// services/identity/sessions.ts: the one statement a session is read with gives the same row Prisma
// gives, on every database, and the permissions its groups grant.
import '../../../helpers/env'
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { TEST_DATABASES, databaseSkipReason, startServer, type TestServer } from '../../../helpers/server'
import { makeAddress, makeCustomer, makePermissionGroup, makeStaff } from '../../../helpers/factories'
import { USER_COLUMN_KINDS, loadSessionUser } from '../../../../services/identity/sessions'

for (const database of TEST_DATABASES) {
  describe(`on ${database}`, { skip: databaseSkipReason(database) }, () => {
    let server: TestServer

    before(async () => {
      server = await startServer({ database })
    })
    after(async () => {
      await server?.stop()
    })

    test('the session row reads as Prisma reads the user, dates, booleans and JSON included', async () => {
      // given a customer with every kind of column set
      const customer = await makeCustomer(server.context, {
        metadata: { tier: 'gold' },
        privateMetadata: { risk: 'low' },
        phone: '+14155550123',
        externalReference: `ext-${database}`,
      })
      const address = await makeAddress(server.context, customer.id)
      await server.context.prisma.user.update({
        where: { id: customer.id },
        data: {
          lastLogin: new Date('2026-11-30T12:34:56.789Z'),
          emailVerifiedAt: new Date('2026-11-29T01:02:03.004Z'),
          defaultShippingAddressId: address.id,
        },
      })
      // when
      const loaded = await loadSessionUser(server.context, { id: customer.id })
      // then
      const expected = await server.context.prisma.user.findUniqueOrThrow({ where: { id: customer.id } })
      assert.deepEqual(loaded?.item, { ...expected })
      assert.equal(loaded?.isStaff, false)
      assert.deepEqual(loaded?.userPermissions, [])
    })

    test('every User column Prisma reads as a boolean, a timestamp or JSON is read so here too', () => {
      // Prisma's own data model of the client (a runtime field of it, read by tests only)
      const model = (
        server.context.prisma as unknown as {
          _runtimeDataModel: { models: { User: { fields: { name: string; kind: string; type: string }[] } } }
        }
      )._runtimeDataModel.models.User
      for (const kind of ['Boolean', 'DateTime', 'Json'] as const) {
        const columns = model.fields.filter(field => field.kind === 'scalar' && field.type === kind).map(f => f.name)
        assert.deepEqual([...USER_COLUMN_KINDS[kind]].sort(), columns.sort(), kind)
      }
    })

    test("timestamps read as the UTC instants Prisma wrote, whatever the process's time zone", async () => {
      // given a process whose local time is not UTC (pg reads timestamp columns as local time)
      const zone = process.env.TZ
      process.env.TZ = 'America/New_York'
      try {
        const customer = await makeCustomer(server.context)
        const lastLogin = new Date('2026-07-01T03:04:05.678Z')
        await server.context.prisma.user.update({ where: { id: customer.id }, data: { lastLogin } })
        // when
        const loaded = await loadSessionUser(server.context, { id: customer.id })
        // then
        assert.equal((loaded?.item.lastLogin as Date).toISOString(), lastLogin.toISOString())
      } finally {
        if (zone === undefined) delete process.env.TZ
        else process.env.TZ = zone
      }
    })

    test("a staff member's permissions are the union of its groups, and none while unconfirmed", async () => {
      // given
      const staff = await makeStaff(server.context, ['MANAGE_USERS'])
      await makePermissionGroup(server.context, ['MANAGE_ORDERS', 'MANAGE_USERS'], {
        users: { connect: [{ id: staff.id }] },
      })
      // when
      const confirmed = await loadSessionUser(server.context, { id: staff.id })
      await server.context.prisma.user.update({ where: { id: staff.id }, data: { isConfirmed: false } })
      const unconfirmed = await loadSessionUser(server.context, { id: staff.id })
      // then
      assert.deepEqual(confirmed?.userPermissions, ['MANAGE_USERS', 'MANAGE_ORDERS'])
      assert.deepEqual(unconfirmed?.userPermissions, [])
    })

    test('an unknown id or token hash loads nobody', async () => {
      assert.equal(await loadSessionUser(server.context, { id: 'no-such-user' }), null)
      assert.equal(await loadSessionUser(server.context, { customerTokenHash: 'f'.repeat(64) }), null)
    })
  })
}
