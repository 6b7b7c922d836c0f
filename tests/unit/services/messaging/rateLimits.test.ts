// services/messaging/rateLimits.ts and the quiet-period rule of services/messaging/outbox.ts: keys and refusals as pure
// functions, then the shared counts on a real database reached by two Prisma clients (two server
// processes), with Date mocked so that windows pass in milliseconds. The database is a fresh
// SQLite file, or a fresh PostgreSQL database with TEST_DATABASE=postgresql.
import '../../../helpers/env'
import { after, before, describe, test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import type { Context } from '../../../../generated/keystone/types'
import { createTestDatabase } from '../../../helpers/database'
import { DomainError } from '../../../../services/kernel/errors'
import { QUIET_PERIOD_SECONDS } from '../../../../services/messaging/mailTemplates'
import {
  accountRequestKey,
  assertAccountRequestAllowed,
  claimQuietPeriod,
  endQuietPeriod,
  mailboxOf,
  quietKey,
  tooManyRequestsError,
} from '../../../../services/messaging/rateLimits'

function mockClock(t: TestContext): (ms: number) => void {
  t.mock.timers.enable({ apis: ['Date'], now: Date.now() })
  return ms => t.mock.timers.tick(ms)
}

async function refusal(promise: Promise<unknown>): Promise<DomainError | undefined> {
  try {
    await promise
    return undefined
  } catch (error) {
    if (error instanceof DomainError) return error
    throw error
  }
}

test('tooManyRequestsError is TOO_MANY_REQUESTS on no field and says when to try again', () => {
  assert.deepEqual(tooManyRequestsError(42).errors, [
    {
      field: null,
      code: 'TOO_MANY_REQUESTS',
      message: 'Too many requests from your network. Try again in 42 seconds.',
    },
  ])
  assert.match(tooManyRequestsError(0.1).errors[0]?.message ?? '', /in 1 second\.$/)
  assert.match(tooManyRequestsError(599).errors[0]?.message ?? '', /in 10 minutes\.$/)
})

test('the keys keep no address or email, count an IPv6 client by its /64, and compare recipients as stored', () => {
  assert.match(accountRequestKey('192.0.2.7'), /^[0-9a-f]{64}$/)
  assert.equal(accountRequestKey('2001:db8:1:2::1'), accountRequestKey('2001:db8:1:2:ffff::9'))
  assert.equal(accountRequestKey('::ffff:192.0.2.7'), accountRequestKey('192.0.2.7'))
  assert.notEqual(accountRequestKey('192.0.2.7'), accountRequestKey('192.0.2.8'))
  assert.equal(quietKey('account-exists', ' Ann@Example.com'), quietKey('account-exists', 'ann@example.com'))
  assert.equal(quietKey('email-change', 'ann+shop@example.com'), quietKey('email-change', 'ANN@example.com'))
  assert.notEqual(quietKey('account-exists', 'ann@example.com'), quietKey('account-exists', 'bob@example.com'))
  assert.notEqual(quietKey('account-exists', 'ann@example.com'), quietKey('email-change', 'ann@example.com'))
  assert.doesNotMatch(quietKey('account-exists', 'ann@example.com'), /ann|example/)
})

test('a mailbox is the address as stored, without a +tag', () => {
  assert.equal(mailboxOf(' Ann+Shop@Example.COM '), 'ann@example.com')
  assert.equal(mailboxOf('ann+@example.com'), 'ann@example.com')
  assert.equal(mailboxOf('ann+a+b@example.com'), 'ann@example.com')
  // a local part that is only a tag keeps it: there is nothing else to deliver to
  assert.equal(mailboxOf('+ann@example.com'), '+ann@example.com')
  assert.equal(mailboxOf('a.n.n@example.com'), 'a.n.n@example.com')
})

describe('the limits on a shared database', () => {
  let drop: (() => Promise<void>) | undefined
  let context: Context
  let otherProcess: Context

  before(async () => {
    const created = await createTestDatabase()
    const { databaseUrl } = created
    drop = created.drop
    // the provider is read from DATABASE_URL when keystone.ts is first imported
    process.env.DATABASE_URL = databaseUrl
    const { createContext } = await import('../../../../scripts/lib/context')
    context = await createContext(databaseUrl)
    otherProcess = await createContext(databaseUrl)
  })

  after(async () => {
    await context?.prisma.$disconnect()
    await otherProcess?.prisma.$disconnect()
    await drop?.()
  })

  test("twenty concurrent claims of one recipient's quiet period from two processes: exactly one wins", async () => {
    // given
    const to = `owner-${randomUUID()}@example.com`
    // when
    const claims = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        claimQuietPeriod(i % 2 ? otherProcess : context, { quietClass: 'account-exists', to, requestedBy: 'anyone' }),
      ),
    )
    // then
    assert.equal(claims.filter(Boolean).length, 1)
    assert.equal(
      await claimQuietPeriod(context, {
        quietClass: 'account-exists',
        to: `someone-else-${randomUUID()}@example.com`,
        requestedBy: 'anyone',
      }),
      true,
    )
  })

  test("a recipient's quiet period ends after 15 minutes, however often it was asked for meanwhile", async t => {
    // given
    const tick = mockClock(t)
    const to = `owner-${randomUUID()}@example.com`
    assert.equal(await claimQuietPeriod(context, { quietClass: 'account-exists', to, requestedBy: 'anyone' }), true)
    // when asked again all through the period
    for (let minute = 1; minute < 15; minute++) {
      tick(60_000)
      assert.equal(
        await claimQuietPeriod(context, { quietClass: 'account-exists', to, requestedBy: 'anyone' }),
        false,
        `minute ${minute}`,
      )
    }
    // then refused attempts did not extend it
    tick(QUIET_PERIOD_SECONDS.anyone * 1000 - 14 * 60_000)
    assert.equal(
      await claimQuietPeriod(otherProcess, { quietClass: 'account-exists', to, requestedBy: 'anyone' }),
      true,
    )
  })

  test("staff's quiet period is a minute of its own, and ending a class's period ends it for every requester", async t => {
    // given
    const tick = mockClock(t)
    const to = `owner-${randomUUID()}@example.com`
    const claim = (requestedBy: 'anyone' | 'staff') =>
      claimQuietPeriod(context, { quietClass: 'password-link', to, requestedBy })
    // when / then: anyone's and staff's periods do not silence each other
    assert.equal(await claim('anyone'), true)
    assert.equal(await claim('staff'), true)
    assert.equal(await claim('staff'), false)
    assert.equal(await claim('anyone'), false)
    tick(QUIET_PERIOD_SECONDS.staff * 1000)
    assert.equal(await claim('staff'), true)
    assert.equal(await claim('anyone'), false)
    // and setPassword's end of the period frees both, for this class only
    assert.equal(await claimQuietPeriod(context, { quietClass: 'email-change', to, requestedBy: 'anyone' }), true)
    await endQuietPeriod(otherProcess, { quietClass: 'password-link', to: to.toUpperCase() })
    assert.equal(await claim('anyone'), true)
    assert.equal(await claim('staff'), true)
    assert.equal(await claimQuietPeriod(context, { quietClass: 'email-change', to, requestedBy: 'anyone' }), false)
  })

  test('enqueueMail writes one unsolicited mail per recipient per quiet period, and every solicited mail every time', async () => {
    // given
    const { enqueueMail } = await import('../../../../services/messaging/outbox')
    const to = `owner-${randomUUID()}@example.com`
    const notice = { to, template: 'ACCOUNT_EXISTS' as const, params: { email: to } }
    // when
    const queued = await Promise.all([
      enqueueMail(context, notice),
      enqueueMail(otherProcess, notice),
      enqueueMail(context, notice),
    ])
    await enqueueMail(context, { to, template: 'PASSWORD_CHANGED' })
    await enqueueMail(context, { to, template: 'PASSWORD_CHANGED' })
    // then
    assert.deepEqual(queued.filter(Boolean), [true])
    assert.equal(await context.prisma.outboxMail.count({ where: { to, template: 'ACCOUNT_EXISTS' } }), 1)
    assert.equal(await context.prisma.outboxMail.count({ where: { to, template: 'PASSWORD_CHANGED' } }), 2)
  })

  test('a quiet request never calls its secrets: the token of the mail that went stays the only one', async () => {
    // given
    const { enqueueMail } = await import('../../../../services/messaging/outbox')
    const to = `new-${randomUUID()}@example.com`
    let issued = 0
    const mail = {
      to,
      template: 'EMAIL_CHANGE_CONFIRMATION' as const,
      params: { newEmail: to, redirectUrl: 'https://shop.test/email' },
      secrets: async () => ({ token: `token-${++issued}` }),
    }
    // when
    const queued = [
      await enqueueMail(context, mail),
      await enqueueMail(otherProcess, mail),
      await enqueueMail(context, mail),
    ]
    // then
    assert.deepEqual(queued, [true, false, false])
    assert.equal(issued, 1)
    assert.equal(await context.prisma.outboxMail.count({ where: { to } }), 1)
  })

  test('a mail claimed in a transaction that rolls back leaves the quiet period free', async () => {
    // given
    const { enqueueMail } = await import('../../../../services/messaging/outbox')
    const to = `owner-${randomUUID()}@example.com`
    // when
    await assert.rejects(
      context.transaction(async tx => {
        await enqueueMail(tx, { to, template: 'ACCOUNT_EXISTS', params: { email: to } })
        throw new Error('the change failed')
      }),
      /the change failed/,
    )
    // then
    assert.equal(await enqueueMail(context, { to, template: 'ACCOUNT_EXISTS', params: { email: to } }), true)
  })

  test('twenty account requests from one IP pass across processes, the next is refused until the window ends, and other IPs go on', async t => {
    // given
    const tick = mockClock(t)
    const ip = `192.0.2.${Math.floor(Math.random() * 200) + 1}`
    // when
    const first = await Promise.all(
      Array.from({ length: 20 }, (_, i) => refusal(assertAccountRequestAllowed(i % 2 ? otherProcess : context, ip))),
    )
    const next = await refusal(assertAccountRequestAllowed(context, ip))
    // then
    assert.deepEqual(first.filter(Boolean), [])
    assert.equal(next?.errors[0]?.code, 'TOO_MANY_REQUESTS')
    assert.match(next?.errors[0]?.message ?? '', /Try again in 10 minutes\./)
    assert.equal(await refusal(assertAccountRequestAllowed(otherProcess, '198.51.100.1')), undefined)
    // refused requests never extend the window
    tick(9 * 60_000)
    assert.ok(await refusal(assertAccountRequestAllowed(context, ip)))
    tick(60_000)
    assert.equal(await refusal(assertAccountRequestAllowed(context, ip)), undefined)
  })
})
