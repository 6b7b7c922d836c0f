// Two refreshes of one refresh token at once, both rotating (a browser with two tabs, a client that
// retries): neither ends the session. The database settles the race: one rotation wins, the other
// finds its token retired a moment ago, within REFRESH_REUSE_GRACE_SECONDS, and is answered with the
// same successor (API.md §9). On one process (either database), and on PostgreSQL with two server
// processes on one database, each of a pair's requests going to another process; there too, a
// session ended on one process is refused by the other at once (no cache outlives a revocation).
import '../../helpers/env'
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { databaseSkipReason, startServer, type TestServer } from '../../helpers/server'
import { makeCustomer } from '../../helpers/factories'
import { issueTokens } from '../../../services/identity/tokens'
import { assertTokenRefused } from '../../helpers/refusals'
import { ME, REFRESH_ROTATING, SESSION_REVOKE, claimsOf, errorCodes, signIn } from './sessionClient'

const PAIRS = 30

type Pair = { userId: string; sessionId: string; refreshToken: string }

async function sessionOf(server: TestServer): Promise<Pair> {
  const customer = await makeCustomer(server.context)
  const user = await server.context.prisma.user.findUniqueOrThrow({ where: { id: customer.id } })
  const tokens = await issueTokens(
    server.context,
    { id: user.id, email: user.email, isStaff: user.isStaff, jwtTokenKey: user.jwtTokenKey },
    { amr: ['pwd'], ip: '127.0.0.1', userAgent: 'two tabs' },
  )
  return { userId: user.id, sessionId: tokens.sessionId, refreshToken: tokens.refreshToken }
}

/** Both rotating refreshes of one token at once, to `left` and `right`; what went wrong, if anything. */
async function racePair(left: TestServer, right: TestServer, pair: Pair): Promise<string[]> {
  const answers = await Promise.all(
    [left, right].map(server => server.gql(REFRESH_ROTATING, { refreshToken: pair.refreshToken })),
  )
  const payloads = answers.map(res => res.body.data?.tokenRefresh)
  const codes = payloads.map(p => (p?.token ? 'token' : (p?.errors ?? []).map((e: { code: string }) => e.code)))
  const problems = [
    payloads.some(p => !p || p.errors.length > 0 || !p.token) && `answers ${JSON.stringify(codes)}`,
    payloads[0]?.refreshToken !== payloads[1]?.refreshToken && 'two different successors',
    payloads[0]?.refreshToken === pair.refreshToken && 'no rotation',
  ].filter((problem): problem is string => Boolean(problem))
  if (problems.length > 0) return problems
  // the session lives: both access tokens are served, on either process, and the successor rotates on
  for (const [j, payload] of payloads.entries()) {
    const me = await [right, left][j]!.gql(ME, {}, { token: payload.token })
    if (me.body.data?.me?.id !== pair.userId)
      problems.push(`access token ${j} refused: ${JSON.stringify(me.body.errors)}`)
  }
  const next = await right.gql(REFRESH_ROTATING, { refreshToken: payloads[0].refreshToken })
  const nextCodes = (next.body.data?.tokenRefresh?.errors ?? []).map((e: { code: string }) => e.code)
  if (!next.body.data?.tokenRefresh?.token) problems.push(`the successor refused: ${JSON.stringify(nextCodes)}`)
  if (claimsOf(payloads[0].token).sid !== pair.sessionId) problems.push('another session')
  return problems
}

/**
 * PAIRS sessions, each refreshed by a pair of rotating refreshes at once: one pair after another, or
 * every pair together; then no pair may have failed, no session ended and no reuse recorded.
 */
async function racePairs(left: TestServer, right: TestServer, { together = false } = {}): Promise<void> {
  const pairs: Pair[] = []
  for (let i = 0; i < PAIRS; i++) pairs.push(await sessionOf(left))
  const problems: string[][] = []
  if (together) problems.push(...(await Promise.all(pairs.map(pair => racePair(left, right, pair)))))
  else for (const pair of pairs) problems.push(await racePair(left, right, pair))
  const failures = problems.flatMap((list, i) => (list.length ? [`pair ${i}: ${list.join('; ')}`] : []))
  const reused = await left.context.prisma.accountEvent.count({
    where: { type: 'REFRESH_TOKEN_REUSED', userId: { in: pairs.map(p => p.userId) } },
  })
  const ended = await left.context.prisma.authSession.count({
    where: { id: { in: pairs.map(p => p.sessionId) }, endedAt: { not: null } },
  })
  assert.deepEqual({ failures, reused, ended }, { failures: [], reused: 0, ended: 0 })
}

describe('concurrent refreshes on one process', () => {
  let server: TestServer
  before(async () => {
    server = await startServer()
  })
  after(async () => {
    await server?.stop()
  })

  test(`${PAIRS} pairs of rotating refreshes of one token at once: one successor each, no session ended`, async () => {
    await racePairs(server, server)
  })
})

describe(
  'concurrent refreshes on two processes of one PostgreSQL database',
  { skip: databaseSkipReason('postgresql') },
  () => {
    let first: TestServer
    let second: TestServer
    before(async () => {
      first = await startServer({ database: 'postgresql' })
      second = await startServer({ databaseUrl: first.databaseUrl })
    })
    after(async () => {
      // the second first: stopping the first drops the database they share
      await second?.stop()
      await first?.stop()
    })

    test(`${PAIRS} pairs, one refresh of each pair on each process: one successor each, no session ended`, async () => {
      await racePairs(first, second)
    })

    test('a session ended on one process is refused by the other on its very next request', async () => {
      // given: two devices, each just served by the second process
      const customer = await makeCustomer(first.context)
      const a = await signIn(first, customer.email, 'a')
      const b = await signIn(first, customer.email, 'b')
      for (const device of [a, b])
        assert.equal((await second.gql(ME, {}, { token: device.token })).body.data.me.id, customer.id)

      // when
      const revoked = await first.gql(SESSION_REVOKE, { id: b.sessionId }, { token: a.token })

      // then: no pause
      assert.deepEqual(revoked.body.data.sessionRevoke.errors, [])
      assertTokenRefused(await second.gql(ME, {}, { token: b.token }), 'JWT_INVALID_TOKEN')
      const refresh = await second.gql(REFRESH_ROTATING, { refreshToken: b.refreshToken })
      assert.deepEqual(errorCodes(refresh.body.data.tokenRefresh), ['JWT_INVALID_TOKEN'])
      assert.equal((await second.gql(ME, {}, { token: a.token })).body.data.me.id, customer.id)
    })

    test(`${PAIRS} pairs all at once (${2 * PAIRS} requests over both processes): no session ended`, async () => {
      await racePairs(first, second, { together: true })
    })
  },
)
