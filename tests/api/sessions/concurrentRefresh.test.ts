// Two refreshes of one refresh token at once, both rotating (a browser with two tabs, a client that
// retries): neither ends the session. The database settles the race: one rotation wins, the other
// finds its token retired a moment ago, within REFRESH_REUSE_GRACE_SECONDS, and is answered with the
// same successor (API.md §9). On one process (either database), and on PostgreSQL with two server
// processes on one database, each of a pair's requests going to another process.
import '../../helpers/env'
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { databaseSkipReason, startServer, type TestServer } from '../../helpers/server'
import { makeCustomer } from '../../helpers/factories'
import { issueTokens } from '../../../services/identity/tokens'
import { ME, REFRESH_ROTATING, claimsOf } from './sessionClient'

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

/** Fire PAIRS pairs, each pair's two rotating refreshes at once (to `left` and `right`); check every pair. */
async function racePairs(left: TestServer, right: TestServer): Promise<void> {
  const pairs: Pair[] = []
  for (let i = 0; i < PAIRS; i++) pairs.push(await sessionOf(left))
  const failures: string[] = []
  for (const [i, pair] of pairs.entries()) {
    const answers = await Promise.all(
      [left, right].map(server => server.gql(REFRESH_ROTATING, { refreshToken: pair.refreshToken })),
    )
    const payloads = answers.map(res => res.body.data?.tokenRefresh)
    const problems = [
      payloads.some(p => !p || p.errors.length > 0 || !p.token) &&
        `answers ${JSON.stringify(payloads.map(p => (p?.token ? 'token' : (p?.errors ?? []).map((e: { code: string }) => e.code))))}`,
      payloads[0]?.refreshToken !== payloads[1]?.refreshToken && 'two different successors',
      payloads[0]?.refreshToken === pair.refreshToken && 'no rotation',
    ].filter(Boolean)
    if (problems.length === 0) {
      // the session lives: both access tokens are served, on either process, and the successor rotates on
      for (const [j, payload] of payloads.entries()) {
        const me = await [right, left][j]!.gql(ME, {}, { token: payload.token })
        if (me.body.data?.me?.id !== pair.userId) problems.push(`access token ${j} refused: ${JSON.stringify(me.body)}`)
      }
      const next = await right.gql(REFRESH_ROTATING, { refreshToken: payloads[0].refreshToken })
      if (next.body.data?.tokenRefresh?.errors?.length !== 0)
        problems.push(`the successor refused: ${JSON.stringify(next.body)}`)
      if (claimsOf(payloads[0].token).sid !== pair.sessionId) problems.push('another session')
    }
    if (problems.length) failures.push(`pair ${i}: ${problems.join('; ')}`)
  }
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
  },
)
