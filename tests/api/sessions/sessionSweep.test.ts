// The sessions worker's sweep (services/identity: deleteDeadSessions): sessions that are ended,
// expired, or bound to a token key their user no longer holds are deleted, a batch at a time;
// live sessions stay, and are still served.
import '../../helpers/env'
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, type TestServer } from '../../helpers/server'
import { makeCustomer } from '../../helpers/factories'
import { deleteDeadSessions } from '../../../services/identity'
import { ME, signIn } from './sessionClient'

let server: TestServer

before(async () => {
  server = await startServer()
})
after(async () => {
  await server?.stop()
})

test('deleteDeadSessions deletes ended, expired and stale-key sessions in batches, and leaves the live ones', async () => {
  // given: two live sessions (signed in), and dead ones of each kind
  const customer = await makeCustomer(server.context)
  const live = [await signIn(server, customer.email, 'one'), await signIn(server, customer.email, 'two')]
  const user = await server.context.prisma.user.findUniqueOrThrow({ where: { id: customer.id } })
  const now = Date.now()
  const row = (data: Record<string, unknown>) => ({
    userId: customer.id,
    kind: 'tokens',
    tokenKey: user.jwtTokenKey!,
    amr: 'pwd',
    expiresAt: new Date(now + 86_400_000),
    ...data,
  })
  const dead = [
    ...Array.from({ length: 3 }, () => row({ endedAt: new Date(now - 1000) })),
    ...Array.from({ length: 3 }, () => row({ expiresAt: new Date(now - 1000) })),
    ...Array.from({ length: 3 }, () => row({ tokenKey: 'a key the user no longer holds' })),
  ]
  await server.context.prisma.authSession.createMany({ data: dead })
  assert.equal(await server.context.prisma.authSession.count({ where: { userId: customer.id } }), 11)

  // when: batches of four
  const passes: number[] = []
  for (let pass = 0; pass < 10; pass++) {
    const deleted = await deleteDeadSessions(server.context, 4)
    passes.push(deleted)
    if (deleted === 0) break
  }

  // then: never more than a batch at a time, every dead one gone, the live ones kept and served
  assert.ok(
    passes.every(n => n <= 4),
    JSON.stringify(passes),
  )
  assert.equal(passes[0], 4)
  assert.equal(
    passes.reduce((a, b) => a + b, 0),
    9,
    JSON.stringify(passes),
  )
  const left = await server.context.prisma.authSession.findMany({
    where: { userId: customer.id },
    select: { id: true },
  })
  assert.deepEqual(left.map(s => s.id).sort(), live.map(d => d.sessionId).sort())
  for (const device of live)
    assert.equal((await server.gql(ME, {}, { token: device.token })).body.data.me.id, customer.id)
})

test('after tokensDeactivateAll every session of the user is dead, and the sweep deletes them all', async () => {
  const customer = await makeCustomer(server.context)
  const devices = [await signIn(server, customer.email, 'a'), await signIn(server, customer.email, 'b')]
  await server.gql('mutation { tokensDeactivateAll { errors { code } } }', {}, { token: devices[0]!.token })
  while ((await deleteDeadSessions(server.context)) > 0);
  assert.equal(await server.context.prisma.authSession.count({ where: { userId: customer.id } }), 0)
})
