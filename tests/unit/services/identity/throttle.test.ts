// services/identity/throttle.ts: the delays and keys as pure functions, then the shared state on a real
// database (SQLite, or PostgreSQL with TEST_DATABASE=postgresql), with Date mocked so that
// hour-long windows pass in milliseconds.
import '../../../helpers/env'
import { after, before, describe, test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { randomInt, randomUUID } from 'node:crypto'
import type { Context } from '../../../../generated/keystone/types'
import { createTestDatabase } from '../../../helpers/database'
import { isPostgres } from '../../../../services/kernel'
import {
  ACCOUNT_CEILING,
  IP_POLICY,
  NETWORK_ACCOUNT_CEILING,
  WINDOW_SECONDS,
  checkLoginAllowed,
  clearAccountLockout,
  delayForAttempts,
  loginDelayedError,
  recordLoginFailure,
  recordLoginSuccess,
  throttleKeys,
  type DelayReason,
  type LoginCheck,
} from '../../../../services/identity/throttle'
import { issueDeviceProof, verifiedDevice, type VerifiedDevice } from '../../../../services/identity/deviceProof'

type Who = { ip: string; email: string; device?: VerifiedDevice }

function anIp(): string {
  return `10.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}`
}

// an address in a /24 of its own for this run: a network no other test uses
let networks = 0
function aNetwork(): (host: number) => string {
  networks += 1
  const block = `172.${16 + (networks >> 8)}.${networks & 255}`
  return host => `${block}.${host}`
}

// a device that has signed in to some account before: a proof checked as signIn.ts checks it
function aDevice(): VerifiedDevice {
  const userId = randomUUID()
  return verifiedDevice(userId, issueDeviceProof(userId).value)!
}

function someone(): Who {
  return { ip: anIp(), email: `user-${randomUUID()}@example.com` }
}

// Date only: the store computes expiries with Date, while Prisma's own timers keep running
function mockClock(t: TestContext): (ms: number) => void {
  t.mock.timers.enable({ apis: ['Date'], now: Date.now() })
  return ms => t.mock.timers.tick(ms)
}

// one sign-in with a wrong password, the way services/identity/signIn.ts drives the throttle
async function failLogin(context: Context, who: Who): Promise<LoginCheck> {
  const check = await checkLoginAllowed(context, who)
  if (check.allowed) await recordLoginFailure(context, who)
  return check
}

async function failLogins(context: Context, who: Who, times: number): Promise<LoginCheck[]> {
  const checks: LoginCheck[] = []
  for (let i = 0; i < times; i++) checks.push(await failLogin(context, who))
  return checks
}

const ALLOWED: LoginCheck = { allowed: true }
const delayed = (retryAfterSeconds: number, reason: DelayReason = 'failures'): LoginCheck => ({
  allowed: false,
  retryAfterSeconds,
  reason,
})

test('delayForAttempts lets five failures go free, then doubles from 2 seconds up to an hour', () => {
  assert.deepEqual(
    [0, 1, 5].map(n => delayForAttempts(n)),
    [0, 0, 0],
  )
  assert.deepEqual(
    [6, 7, 8, 10, 16].map(n => delayForAttempts(n)),
    [2, 4, 8, 32, 2048],
  )
  assert.deepEqual(
    [17, 40, 10_000].map(n => delayForAttempts(n)),
    [3600, 3600, 3600],
  )
})

test('delayForAttempts for an IP starts after twenty failures and doubles every five', () => {
  assert.deepEqual(
    [20, 21, 25, 26, 30, 31].map(n => delayForAttempts(n, IP_POLICY)),
    [0, 2, 2, 4, 4, 8],
  )
  assert.deepEqual(
    [75, 76, 500].map(n => delayForAttempts(n, IP_POLICY)),
    [2048, 3600, 3600],
  )
})

test('delayForAttempts treats a count below zero, left by a give-back, as no failure', () => {
  assert.equal(delayForAttempts(-1), 0)
})

test('throttleKeys normalises the email and keeps neither the email nor the IP in a key', () => {
  // given one sign-in typed two ways
  const keys = throttleKeys({ ip: '192.0.2.7', email: 'John.Smith@Example.com' })
  const again = throttleKeys({ ip: '192.0.2.7', email: '  john.smith@example.com ' })

  // then both count alike, and no key can be read back
  assert.deepEqual(again, keys)
  assert.equal(keys.device, undefined)
  const named = [keys.ip, keys.account, keys.ipAccount, keys.networkAccount]
  for (const key of named) {
    assert.match(key, /^(ip|account):[0-9a-f]{64}(:(ip|network):[0-9a-f]{64})?$/)
    assert.doesNotMatch(key, /john|example|192/i)
  }
  assert.equal(new Set(named).size, 4)
})

test("throttleKeys keeps every counter of an account under the account's key, and the IP's alone", () => {
  const keys = throttleKeys({ ip: '192.0.2.7', email: 'a@example.com', device: aDevice() })
  for (const key of [keys.ipAccount, keys.networkAccount, keys.device!]) assert.ok(key.startsWith(`${keys.account}:`))
  // a second-factor code's counter is not: whoever answers codes has the password and may have the
  // mailbox, so a password reset must not lift it; a proven device counts on its own; a password attempt has none
  const code = throttleKeys({ ip: '192.0.2.7', email: 'a@example.com', factor: 'code' }).code
  const fromDevice = throttleKeys({ ip: '192.0.2.7', email: 'a@example.com', factor: 'code', device: aDevice() }).code
  assert.match(code!, /^code:[0-9a-f]{64}$/)
  assert.ok(fromDevice?.startsWith(`${code}:device:`))
  assert.equal(keys.code, undefined)
  assert.ok(!keys.ip.startsWith(keys.account))
  // a device proves itself for one account: its key differs from one account to the next
  const device = aDevice()
  assert.notEqual(
    throttleKeys({ ip: '192.0.2.7', email: 'a@example.com', device }).device,
    throttleKeys({ ip: '192.0.2.7', email: 'b@example.com', device }).device,
  )
})

test('throttleKeys counts the account alone across IPs, the IP alone across accounts, and a network by its /24', () => {
  const one = throttleKeys({ ip: '192.0.2.7', email: 'a@example.com' })
  const otherIp = throttleKeys({ ip: '198.51.100.1', email: 'a@example.com' })
  const sameNetwork = throttleKeys({ ip: '192.0.2.200', email: 'a@example.com' })
  const otherEmail = throttleKeys({ ip: '192.0.2.7', email: 'b@example.com' })

  assert.equal(otherIp.account, one.account)
  assert.notEqual(otherIp.ip, one.ip)
  assert.notEqual(otherIp.ipAccount, one.ipAccount)
  assert.notEqual(otherIp.networkAccount, one.networkAccount)
  assert.equal(sameNetwork.networkAccount, one.networkAccount)
  assert.notEqual(sameNetwork.ipAccount, one.ipAccount)
  assert.equal(otherEmail.ip, one.ip)
  assert.notEqual(otherEmail.account, one.account)
  assert.notEqual(otherEmail.networkAccount, one.networkAccount)
})

test('throttleKeys counts an IPv6 client by its /64 and an IPv4-mapped address as IPv4', () => {
  const email = 'a@example.com'
  const ipKey = (ip: string) => throttleKeys({ ip, email }).ip

  assert.equal(ipKey('2001:db8:1:2::1'), ipKey('2001:0DB8:0001:0002:ffff:ffff:ffff:ffff'))
  assert.equal(ipKey('2001:db8:1:2::1'), ipKey('2001:db8:1:2:0:0:0.0.0.9'))
  assert.equal(ipKey('fe80::1%eth0'), ipKey('fe80::2'))
  assert.notEqual(ipKey('2001:db8:1:2::1'), ipKey('2001:db8:1:3::1'))
  assert.equal(ipKey('::ffff:192.0.2.7'), ipKey('192.0.2.7'))
  assert.notEqual(ipKey('192.0.2.7'), ipKey('192.0.2.8'))
  const networkKey = (ip: string) => throttleKeys({ ip, email }).networkAccount
  assert.equal(networkKey('2001:db8:1:2::1'), networkKey('2001:db8:1:2::ffff'))
  assert.notEqual(networkKey('2001:db8:1:2::1'), networkKey('2001:db8:1:3::1'))
  assert.equal(networkKey('::ffff:192.0.2.7'), networkKey('192.0.2.99'))
})

test("loginDelayedError says why the attempt waits: failures, attempts at once, or the account's ceiling", () => {
  assert.match(loginDelayedError(2).errors[0]!.message, /^Too many failed sign-in attempts\. Try again in 2 seconds\.$/)
  assert.match(loginDelayedError(2, 'parallel').errors[0]!.message, /^Too many sign-in attempts at the same time\./)
  assert.match(
    loginDelayedError(600, 'ceiling').errors[0]!.message,
    /^Too many sign-in attempts for this account\. Try again in 10 minutes, or reset your password\.$/,
  )
})

test('loginDelayedError is LOGIN_ATTEMPT_DELAYED on email and says when to try again', () => {
  const error = loginDelayedError(2)
  assert.deepEqual(error.errors, [
    {
      field: 'email',
      code: 'LOGIN_ATTEMPT_DELAYED',
      message: 'Too many failed sign-in attempts. Try again in 2 seconds.',
    },
  ])
  assert.match(loginDelayedError(1).errors[0]?.message ?? '', /in 1 second\.$/)
  assert.match(loginDelayedError(0.2).errors[0]?.message ?? '', /in 1 second\.$/)
  assert.match(loginDelayedError(130).errors[0]?.message ?? '', /in 3 minutes\.$/)
  assert.match(loginDelayedError(3600).errors[0]?.message ?? '', /in 60 minutes\.$/)
})

describe('the throttle on a shared database', () => {
  let drop: (() => Promise<void>) | undefined
  let databaseUrl: string
  let context: Context
  let otherProcess: Context

  before(async () => {
    ;({ databaseUrl, drop } = await createTestDatabase())
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

  test('five failures from one IP and account pass, and the sixth blocks the next attempt for 2 seconds', async t => {
    // given
    const tick = mockClock(t)
    const who = someone()

    // when
    const checks = await failLogins(context, who, 6)

    // then
    assert.deepEqual(checks, Array(6).fill(ALLOWED))
    assert.deepEqual(await checkLoginAllowed(context, who), delayed(2))
    tick(1000)
    assert.deepEqual(await checkLoginAllowed(context, who), delayed(1))
    tick(999)
    assert.deepEqual(await checkLoginAllowed(context, who), delayed(1))
    tick(1)
    assert.deepEqual(await checkLoginAllowed(context, who), ALLOWED)
  })

  test('each further failure doubles the delay, counted from the last failure, and refused attempts do not count', async t => {
    // given five free failures
    const tick = mockClock(t)
    const who = someone()
    await failLogins(context, who, 5)

    for (const seconds of [2, 4, 8, 16, 32]) {
      // when the next attempt fails
      assert.deepEqual(await failLogin(context, who), ALLOWED)

      // then every attempt until its delay has passed is refused, however many there are
      for (let i = 0; i < 3; i++) assert.deepEqual(await checkLoginAllowed(context, who), delayed(seconds))
      tick(seconds * 1000 - 1)
      assert.deepEqual(await checkLoginAllowed(context, who), delayed(1))
      tick(1)
    }
  })

  test('a success clears the IP-and-account failures, so the next five failures are free again', async t => {
    // given an IP and account blocked after six failures
    const tick = mockClock(t)
    const who = someone()
    await failLogins(context, who, 6)
    tick(2000)

    // when the right password comes
    assert.deepEqual(await checkLoginAllowed(context, who), ALLOWED)
    await recordLoginSuccess(context, who)

    // then five failures are free again and the sixth blocks for 2 seconds, not 4
    assert.deepEqual(await failLogins(context, who, 6), Array(6).fill(ALLOWED))
    assert.deepEqual(await checkLoginAllowed(context, who), delayed(2))
  })

  test('a block on one IP and account leaves the same account free from another IP', async t => {
    // given
    mockClock(t)
    const who = someone()
    await failLogins(context, who, 6)

    // when
    const fromElsewhere = await checkLoginAllowed(context, { ...who, ip: anIp() })

    // then
    assert.deepEqual(fromElsewhere, ALLOWED)
  })

  test('an account at its ceiling refuses every IP until its window ends', async t => {
    // given a botnet spending the free failures of ten IPs on one account
    const tick = mockClock(t)
    const { email } = someone()
    for (let i = 0; i < ACCOUNT_CEILING / 5; i++) {
      assert.deepEqual(await failLogins(context, { ip: anIp(), email }, 5), Array(5).fill(ALLOWED))
    }
    tick(60_000)

    // when a fresh IP tries the same account
    const fromNewIp = await checkLoginAllowed(context, { ip: anIp(), email })

    // then it is refused for the rest of the window, and let through once it is over
    assert.deepEqual(fromNewIp, delayed(WINDOW_SECONDS - 60, 'ceiling'))
    assert.deepEqual(
      await checkLoginAllowed(context, { ip: anIp(), email: email.toUpperCase() }),
      delayed(WINDOW_SECONDS - 60, 'ceiling'),
    )
    tick((WINDOW_SECONDS - 60) * 1000)
    assert.deepEqual(await checkLoginAllowed(context, { ip: anIp(), email }), ALLOWED)
  })

  // the account at its ceiling (of which `spent` failures are there already), five failures at a
  // time from IPs in networks of their own
  async function lockAccount(email: string, spent = 0): Promise<void> {
    for (let left = ACCOUNT_CEILING - spent; left > 0; left -= 5) {
      const times = Math.min(5, left)
      assert.deepEqual(await failLogins(context, { ip: aNetwork()(1), email }, times), Array(times).fill(ALLOWED))
    }
  }

  // one network at its ceiling on the account: NETWORK_ACCOUNT_CEILING / 5 of its addresses, 5 failures each
  async function lockNetwork(network: (host: number) => string, email: string): Promise<void> {
    for (let host = 1; host <= NETWORK_ACCOUNT_CEILING / 5; host++) {
      assert.deepEqual(await failLogins(context, { ip: network(host), email }, 5), Array(5).fill(ALLOWED))
    }
  }

  test('guesses from one network lock that network out of the account, not another network', async t => {
    // given one /24 that has spent its ceiling on an account, five failures per address
    const tick = mockClock(t)
    const { email } = someone()
    const attacker = aNetwork()
    await lockNetwork(attacker, email)
    tick(60_000)

    // when a fresh address of that network, and an address of another, try the account
    const sameNetwork = await checkLoginAllowed(context, { ip: attacker(200), email })
    const otherNetwork = await checkLoginAllowed(context, { ip: aNetwork()(1), email })

    // then the network waits for the rest of the window, and the other goes on
    assert.deepEqual(sameNetwork, delayed(WINDOW_SECONDS - 60, 'ceiling'))
    assert.deepEqual(otherNetwork, ALLOWED)
    tick((WINDOW_SECONDS - 60) * 1000)
    assert.deepEqual(await checkLoginAllowed(context, { ip: attacker(201), email }), ALLOWED)
  })

  test('an IPv6 attacker rotating addresses inside its /64 is one client', async t => {
    // given six failures, each from another address of one /64
    mockClock(t)
    const { email } = someone()
    const prefix = `2001:db8:${randomInt(65536).toString(16)}:${randomInt(65536).toString(16)}`
    for (let i = 1; i <= 6; i++)
      assert.deepEqual(await failLogin(context, { ip: `${prefix}::${i.toString(16)}`, email }), ALLOWED)

    // when yet another address of it, and one of another /64, try
    const sameBlock = await checkLoginAllowed(context, { ip: `${prefix}:ffff:ffff:ffff:ffff`, email })
    const otherBlock = await checkLoginAllowed(context, {
      ip: `2001:db8:ffff:${randomInt(65536).toString(16)}::1`,
      email,
    })

    // then the /64 waits as one address would, and the other goes on
    assert.deepEqual(sameBlock, delayed(2))
    assert.deepEqual(otherBlock, ALLOWED)
  })

  test("a device proven for the account passes the ceilings and its IP's block, but not its own failures", async t => {
    // given an account at its ceiling, a network at its own, and an IP blocked by its failures on other accounts
    const tick = mockClock(t)
    const { email } = someone()
    const network = aNetwork()
    await lockNetwork(network, email)
    await lockAccount(email, NETWORK_ACCOUNT_CEILING)
    const ip = network(250)
    for (let i = 0; i <= IP_POLICY.freeFailures; i++) await failLogin(context, { ip, email: someone().email })
    const device = aDevice()

    // when the owner's device signs in from that IP and network
    const unproven = await checkLoginAllowed(context, { ip, email })
    const proven = await checkLoginAllowed(context, { ip, email, device })
    await recordLoginSuccess(context, { ip, email, device })

    // then it goes on where an unproven client waits
    assert.equal(unproven.allowed, false)
    assert.deepEqual(proven, ALLOWED)

    // and its own failures hold it as any client's do: five free, then 2 seconds
    assert.deepEqual(await failLogins(context, { ip, email, device }, 6), Array(6).fill(ALLOWED))
    assert.deepEqual(await checkLoginAllowed(context, { ip, email, device }), delayed(2))
    tick(2000)
    assert.deepEqual(await checkLoginAllowed(context, { ip, email, device }), ALLOWED)
  })

  test("a proof used from many IPs is held by the device's own failures", async t => {
    // given a device proof guessing from a fresh IP each time
    const tick = mockClock(t)
    const { email } = someone()
    const device = aDevice()
    assert.deepEqual(
      await Promise.all(Array.from({ length: 6 }, () => failLogin(context, { ip: anIp(), email, device }))),
      Array(6).fill(ALLOWED),
    )

    // when it tries from yet another IP
    const next = await checkLoginAllowed(context, { ip: anIp(), email, device })

    // then it waits as one IP would after six failures
    assert.deepEqual(next, delayed(2))

    // and once the owner signs in with it, its failures are forgotten: five are free again
    tick(2000)
    const owner = { ip: anIp(), email, device }
    assert.deepEqual(await checkLoginAllowed(context, owner), ALLOWED)
    await recordLoginSuccess(context, owner)
    assert.deepEqual(
      await Promise.all(Array.from({ length: 5 }, () => failLogin(context, { ip: anIp(), email, device }))),
      Array(5).fill(ALLOWED),
    )
    assert.deepEqual(await checkLoginAllowed(context, { ip: anIp(), email, device }), ALLOWED)
  })

  test("a proven device's attempts do not count toward the account's ceiling", async t => {
    mockClock(t)
    const { email } = someone()
    const device = aDevice()
    await failLogins(context, { ip: anIp(), email, device }, 5)
    const row = await context.prisma.loginThrottle.findUnique({
      where: { key: throttleKeys({ ip: '', email }).account },
    })
    assert.equal(row, null)
  })

  test('clearAccountLockout lifts every lockout of the account, from every IP, network and device, and nothing else', async t => {
    // given an account at its ceiling, one of its networks at its own, an IP and a device blocked
    // by their failures on it, and another account and the attacker's IP blocked beside it
    mockClock(t)
    const { email } = someone()
    const other = someone()
    const ip = anIp()
    await failLogins(context, { ip, email }, 6)
    const network = aNetwork()
    await lockNetwork(network, email)
    const device = aDevice()
    await failLogins(context, { ip: anIp(), email, device }, 6)
    await lockAccount(email, 6 + NETWORK_ACCOUNT_CEILING)
    await lockAccount(other.email)
    const stuffer = anIp()
    for (let i = 0; i <= IP_POLICY.freeFailures; i++) await failLogin(context, { ip: stuffer, email: someone().email })
    assert.equal((await checkLoginAllowed(context, { ip: network(99), email })).allowed, false)

    // when the account's lockout is lifted (the email as the account stores it, typed another way)
    await clearAccountLockout(context, `  ${email.toUpperCase()}`)

    // then every way into it is open again, with its free failures back
    assert.deepEqual(await checkLoginAllowed(context, { ip: network(99), email }), ALLOWED)
    assert.deepEqual(await checkLoginAllowed(context, { ip, email }), ALLOWED)
    assert.deepEqual(await checkLoginAllowed(context, { ip: anIp(), email, device }), ALLOWED)
    assert.deepEqual(await failLogins(context, { ip: anIp(), email }, 5), Array(5).fill(ALLOWED))
    // and the other account and the IP's own block stay
    assert.equal((await checkLoginAllowed(context, { ip: anIp(), email: other.email })).allowed, false)
    assert.equal((await checkLoginAllowed(context, { ip: stuffer, email })).allowed, false)
  })

  test('clearAccountLockout in a transaction that rolls back lifts nothing', async t => {
    mockClock(t)
    const { email } = someone()
    await lockAccount(email)
    await assert.rejects(
      context.transaction(async tx => {
        await clearAccountLockout(tx, email)
        throw new Error('rolled back')
      }),
      /rolled back/,
    )
    assert.deepEqual((await checkLoginAllowed(context, { ip: anIp(), email })).allowed, false)
  })

  test('a reset clearing an account while sign-ins hammer it neither deadlocks nor fails (PostgreSQL: through two processes)', async t => {
    // given: SQLite is one file for one process, so there the second "process" is the same one
    mockClock(t)
    const { email } = someone()
    const second = isPostgres(context) ? otherProcess : context

    // when failures from forty networks and five resets run at once
    const hammer = Promise.all(
      Array.from({ length: 40 }, (_, i) => failLogin(i % 2 ? context : second, { ip: aNetwork()(1), email })),
    )
    const clears = Promise.all(
      Array.from({ length: 5 }, (_, i) => (i % 2 ? second : context).transaction(tx => clearAccountLockout(tx, email))),
    )

    // then all of them finish, and a last reset leaves the account open
    await Promise.all([hammer, clears])
    await clearAccountLockout(context, email)
    assert.deepEqual(await checkLoginAllowed(context, { ip: anIp(), email }), ALLOWED)
  })

  test('one IP failing on many accounts is blocked for every account once past its free failures', async t => {
    // given an IP that has failed once on each of twenty accounts
    const tick = mockClock(t)
    const ip = anIp()
    for (let i = 0; i < IP_POLICY.freeFailures; i++) {
      assert.deepEqual(await failLogin(context, { ip, email: someone().email }), ALLOWED)
    }

    // when it fails on a twenty-first
    assert.deepEqual(await failLogin(context, { ip, email: someone().email }), ALLOWED)

    // then any account from that IP waits 2 seconds, while other IPs go on
    assert.deepEqual(await checkLoginAllowed(context, { ip, email: someone().email }), delayed(2))
    assert.deepEqual(await checkLoginAllowed(context, someone()), ALLOWED)
    tick(2000)
    assert.deepEqual(await checkLoginAllowed(context, { ip, email: someone().email }), ALLOWED)
  })

  test('past its free failures an IP lets one sign-in through at a time, and a success frees it at once', async t => {
    // given an IP past its free failures, its block waited out
    const tick = mockClock(t)
    const ip = anIp()
    for (let i = 0; i <= IP_POLICY.freeFailures; i++) await failLogin(context, { ip, email: someone().email })
    tick(2000)
    const owner = { ip, email: someone().email }

    // when one user's sign-in is under way, and then succeeds
    assert.deepEqual(await checkLoginAllowed(context, owner), ALLOWED)
    const meanwhile = await checkLoginAllowed(context, { ip, email: someone().email })
    await recordLoginSuccess(context, owner)

    // then another sign-in from the IP waited meanwhile, and goes on at once afterwards
    assert.deepEqual(meanwhile, delayed(2, 'parallel'))
    assert.deepEqual(await checkLoginAllowed(context, { ip, email: someone().email }), ALLOWED)
  })

  test('two contexts on one database share the state, as two server processes do', async t => {
    // given six failures through one process
    mockClock(t)
    const who = someone()
    await failLogins(context, who, 6)

    // when the next attempt reaches the other process
    const elsewhere = await checkLoginAllowed(otherProcess, who)

    // then it is refused there too
    assert.deepEqual(elsewhere, delayed(2))
  })

  test('a success in one process clears the failures counted by another', async t => {
    // given an IP and account blocked through one process, and its block waited out
    const tick = mockClock(t)
    const who = someone()
    await failLogins(context, who, 6)
    tick(2000)

    // when the other process signs the account in
    assert.deepEqual(await checkLoginAllowed(otherProcess, who), ALLOWED)
    await recordLoginSuccess(otherProcess, who)

    // then the first process starts from zero
    assert.deepEqual(await failLogins(context, who, 6), Array(6).fill(ALLOWED))
    assert.deepEqual(await checkLoginAllowed(context, who), delayed(2))
  })

  test('an unknown email is throttled exactly like a registered one', async t => {
    // given one registered account and one email that no account has
    mockClock(t)
    const registered = someone()
    await context.prisma.user.create({ data: { email: registered.email, note: {} } })
    const unknown = someone()

    // when both go through the same failures and waits
    const run = async (who: Who) => {
      const checks = await failLogins(context, who, 7)
      checks.push(await checkLoginAllowed(context, who))
      return checks
    }
    const forRegistered = await run(registered)
    const forUnknown = await run(unknown)

    // then every answer is the same, and so is what the table holds
    assert.deepEqual(forUnknown, forRegistered)
    assert.deepEqual(await storedRows(context, unknown), await storedRows(context, registered))
  })

  test('parallel attempts past the free failures are let through one at a time', async t => {
    // given five free failures
    mockClock(t)
    const who = someone()
    await failLogins(context, who, 5)

    // when five attempts arrive at once, through two processes
    const checks = await Promise.all(
      [context, otherProcess, context, otherProcess, context].map(ctx => checkLoginAllowed(ctx, who)),
    )

    // then one goes on to the password check and the others wait for its block
    assert.equal(checks.filter(check => check.allowed).length, 1)
    assert.deepEqual(
      checks.filter(check => !check.allowed),
      Array(4).fill(delayed(2, 'parallel')),
    )
  })

  test('parallel attempts from many IPs cannot take an account past its ceiling', async t => {
    // given
    mockClock(t)
    const { email } = someone()

    // when more attempts than the ceiling arrive at once, each from its own IP
    const checks = await Promise.all(
      Array.from({ length: ACCOUNT_CEILING + 5 }, () => checkLoginAllowed(context, { ip: anIp(), email })),
    )

    // then exactly the ceiling goes on, and the refused ones are not counted
    assert.equal(checks.filter(check => check.allowed).length, ACCOUNT_CEILING)
    const row = await context.prisma.loginThrottle.findUnique({
      where: { key: throttleKeys({ ip: '', email }).account },
    })
    assert.equal(row?.inFlight, ACCOUNT_CEILING)
    assert.equal(row?.failures, 0)
  })

  test('expired rows are swept from the table an hour after they expire', async t => {
    // given the rows of one failed sign-in
    const tick = mockClock(t)
    const who = someone()
    await failLogin(context, who)
    assert.equal((await storedRows(context, who)).length, 4)

    // when the window and an hour more have passed and someone signs in
    tick((WINDOW_SECONDS + 3600) * 1000 + 5 * 60_000)
    await checkLoginAllowed(context, someone())

    // then they are gone (the sweep runs beside the sign-in, not in its way)
    for (let i = 0; i < 50 && (await storedRows(context, who)).length > 0; i++)
      await new Promise(resolve => setImmediate(resolve))
    assert.deepEqual(await storedRows(context, who), [])
  })

  test('correct passwords sent at once from one IP to one account are all let through', async t => {
    // given
    mockClock(t)
    const who = someone()

    // when ten sign-ins arrive together, through two processes, and all succeed
    const checks = await Promise.all(
      Array.from({ length: 10 }, (_, i) => checkLoginAllowed(i % 2 ? context : otherProcess, who)),
    )
    await Promise.all(checks.map((_, i) => recordLoginSuccess(i % 2 ? context : otherProcess, who)))

    // then none was refused, and nothing is left in flight or counted as a failure
    assert.deepEqual(checks, Array(10).fill(ALLOWED))
    assert.deepEqual(
      (await storedRows(context, who)).map(row => [row.inFlight, row.failures]),
      [
        [0, 0],
        [0, 0],
        [0, 0],
        [0, 0],
      ],
    )
  })

  test('an attempt whose process died stops counting as in flight after thirty seconds', async t => {
    // given an IP and account past its free failures, and an attempt that never reported back
    const tick = mockClock(t)
    const who = someone()
    await failLogins(context, who, 5)
    assert.deepEqual(await checkLoginAllowed(context, who), ALLOWED)

    // when
    const meanwhile = await checkLoginAllowed(context, who)
    tick(30_001)
    const later = await checkLoginAllowed(context, who)

    // then
    assert.deepEqual(meanwhile, delayed(2, 'parallel'))
    assert.deepEqual(later, ALLOWED)
  })
})

// what the table holds for one sign-in, minus the hashes that name it and the times
async function storedRows(
  context: Context,
  who: Who,
): Promise<Array<{ kind: string; failures: number; inFlight: number }>> {
  const keys = throttleKeys(who)
  const named = Object.values(keys).filter((key): key is string => key !== undefined)
  const rows = await context.prisma.loginThrottle.findMany({ where: { key: { in: named } } })
  return rows
    .map(row => ({
      kind: row.key.replace(/[0-9a-f]{64}/g, '#'),
      failures: row.failures,
      inFlight: row.inFlight,
    }))
    .sort((a, b) => a.kind.localeCompare(b.kind))
}
