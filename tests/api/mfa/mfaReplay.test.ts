// A TOTP code counts once per user (API.md §9), also when two sign-ins send it at the same moment,
// each with a challenge of its own: on one process (either database) and on two server processes
// of one PostgreSQL database, exactly one of the two is signed in, the other is INVALID_MFA_CODE
// and keeps its challenge (the conditional write on User.totpLastStep decides, in the database).
import '../../helpers/env'
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { databaseSkipReason, startServer, type TestServer } from '../../helpers/server'
import { makeCustomer } from '../../helpers/factories'
import { answer, awayFromStepEdge, challengeFor, codeFor, codesOf, confirmedLongAgo, enrol } from './mfaClient'

const ROUNDS = 8

/** ROUNDS users, each with two challenges answered at once with one code, one on `left`, one on `right`. */
async function raceOneCode(left: TestServer, right: TestServer): Promise<void> {
  const outcomes: string[] = []
  for (let round = 0; round < ROUNDS; round++) {
    const user = await enrol(left, await makeCustomer(left.context))
    await confirmedLongAgo(left, user.userId)
    const ip = `198.18.0.${round + 1}`
    const challenges = [await challengeFor(left, user.email, ip), await challengeFor(right, user.email, ip)]
    await awayFromStepEdge()
    const code = codeFor(user.secret)
    const answers = await Promise.all([answer(left, challenges[0]!, code, ip), answer(right, challenges[1]!, code, ip)])
    const signedIn = answers.filter(payload => payload.token !== null)
    const refused = answers.filter(payload => payload.token === null).map(codesOf)
    outcomes.push(`${signedIn.length} signed in, refused ${JSON.stringify(refused)}`)
    const used = await left.context.prisma.authChallenge.count({
      where: { userId: user.userId, usedAt: { not: null } },
    })
    assert.equal(used, signedIn.length)
  }
  assert.deepEqual(
    outcomes,
    Array.from({ length: ROUNDS }, () => '1 signed in, refused [["INVALID_MFA_CODE"]]'),
  )
}

describe('one code in two challenges at once, on one process', () => {
  let server: TestServer
  before(async () => {
    server = await startServer({ env: { TRUST_PROXY: '1' } })
  })
  after(async () => {
    await server?.stop()
  })

  test(`${ROUNDS} users: exactly one of each pair signs in`, async () => {
    await raceOneCode(server, server)
  })
})

describe(
  'one code in two challenges at once, on two processes of one PostgreSQL database',
  { skip: databaseSkipReason('postgresql') },
  () => {
    let first: TestServer
    let second: TestServer
    before(async () => {
      first = await startServer({ database: 'postgresql', env: { TRUST_PROXY: '1' } })
      second = await startServer({ databaseUrl: first.databaseUrl, env: { TRUST_PROXY: '1' } })
    })
    after(async () => {
      // the second first: stopping the first drops the database they share
      await second?.stop()
      await first?.stop()
    })

    test(`${ROUNDS} users, one answer of each pair on each process: exactly one signs in`, async () => {
      await raceOneCode(first, second)
    })
  },
)
