// The outbox end to end: mails written in a transaction reach a real SMTP server exactly once, a
// server that is down loses nothing and two senders never double a mail, and no token can be read
// through the API. `mailServer` delivers with its own worker (keystone.ts, db.onConnect) to an SMTP
// server on a fixed port; `server` has no SMTP_URL, so its worker sends nothing and tests drive theirs.
import '../helpers/env'
import { randomBytes } from 'node:crypto'
import { after, before, mock, test } from 'node:test'
import assert from 'node:assert/strict'
import { freePort, startServer, type TestServer } from '../helpers/server'
import { startMailbox, tokenFromMail, type Mail, type Mailbox } from '../helpers/mailbox'
import { makeActors } from '../helpers/actors'
import { createContext } from '../../scripts/lib/context'
import { deliverDueMails, enqueueMail, kickOutbox, startOutboxWorker } from '../../services/messaging/outbox'
import type { Context } from '../../generated/keystone/types'

const POLL_MS = 100
const BACKOFF_MS = 100
const REDIRECT_URL = 'https://shop.test/account/reset?lang=fr'

const OUTBOX_MAILS = `query ($to: String!) {
  outboxMails(where: { to: { equals: $to } }) { id to subject template params status attempts lastError messageId nextAttemptAt lockedUntil createdAt sentAt user { id email } }
}`
const SEALED_SECRETS = '{ outboxMails { id sealedSecrets } }'

let smtpPort: number
let mailbox: Mailbox | undefined
let mailServer: TestServer
let server: TestServer

before(async () => {
  smtpPort = await freePort()
  mailbox = await startMailbox(smtpPort)
  ;[mailServer, server] = await Promise.all([
    startServer({
      env: {
        SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
        OUTBOX_POLL_MS: String(POLL_MS),
        OUTBOX_BACKOFF_MS: String(BACKOFF_MS),
      },
    }),
    startServer(),
  ])
})
after(async () => {
  await Promise.all([mailServer?.stop(), server?.stop(), mailbox?.stop()])
})

function address(): string {
  return `mail-${randomBytes(4).toString('hex')}@example.com`
}

function token(): string {
  return randomBytes(18).toString('base64url')
}

async function enqueueReset(context: Context, to: string, secret: string): Promise<void> {
  await enqueueMail(context, {
    to,
    template: 'PASSWORD_RESET',
    params: { email: to, firstName: 'Casey', redirectUrl: REDIRECT_URL },
    secrets: { token: secret },
  })
}

async function rowsTo(on: TestServer, recipients: string[]) {
  return on.context.prisma.outboxMail.findMany({ where: { to: { in: recipients } }, orderBy: { to: 'asc' } })
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const value = await probe()
    if (value) return value
    await new Promise(resolve => setTimeout(resolve, 50))
  }
  throw new Error(`timed out waiting for ${what}`)
}

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms))

// a stand-in transport for the claim and retry rules: records each mail, fails where told to
function fakeTransport(fail: (to: string) => Error | undefined = () => undefined) {
  const sent: { to: string; text: string }[] = []
  return {
    sent,
    transport: {
      async sendMail(mail: any) {
        const error = fail(mail.to)
        if (error) throw error
        sent.push({ to: mail.to, text: mail.text })
        return { messageId: mail.messageId }
      },
    } as any,
  }
}

test('mails enqueued in one transaction each arrive once, with their recipient, subject and link', async () => {
  // given
  const inbox = mailbox!
  const [reset, confirm, notice] = [address(), address(), address()]
  const [resetToken, confirmToken] = [token(), token()]

  // when
  await mailServer.context.transaction(async tx => {
    await enqueueReset(tx, reset, resetToken)
    await enqueueMail(tx, {
      to: confirm,
      template: 'ACCOUNT_CONFIRMATION',
      params: { email: confirm, redirectUrl: 'https://shop.test/confirm', shopName: 'Acme' },
      secrets: { token: confirmToken },
    })
    await enqueueMail(tx, { to: notice, template: 'PASSWORD_CHANGED', params: {} })
  })

  // then
  const resetMail = await inbox.next(reset, /^Reset your password$/)
  const confirmMail = await inbox.next(confirm, /^Confirm your account$/)
  const noticeMail = await inbox.next(notice, /^Your password was changed$/)
  assert.equal(tokenFromMail(resetMail), resetToken)
  assert.equal(tokenFromMail(confirmMail), confirmToken)
  assert.match(
    resetMail.text,
    new RegExp(`https://shop\\.test/account/reset\\?lang=fr&email=${encodeURIComponent(reset)}&token=`),
  )
  assert.ok(resetMail.html.includes('Choose a new password'))
  // the shop's name is in the body, never the subject
  assert.match(confirmMail.text, /signing up at Acme\./)
  assert.ok(!noticeMail.text.includes('token='))

  // a mail reaches the SMTP server before its sender records it sent
  await waitFor('the three rows sent', async () =>
    (await rowsTo(mailServer, [reset, confirm, notice])).every(row => row.status === 'sent'),
  )
  await sleep(5 * POLL_MS)
  assert.equal(inbox.mails.filter(mail => [reset, confirm, notice].includes(mail.to)).length, 3)
  for (const row of await rowsTo(mailServer, [reset, confirm, notice])) {
    assert.equal(row.status, 'sent')
    assert.equal(row.attempts, 1)
    assert.ok(row.sentAt)
    assert.equal(row.messageId, inbox.mails.find(mail => mail.to === row.to)?.messageId)
  }
})

test('mails queued while the SMTP server is down wait with growing attempts, then arrive exactly once from two senders when it returns on the same port', async () => {
  // given: the SMTP server is down
  await mailbox!.stop()
  mailbox = undefined
  const recipients = [address(), address(), address(), address()].sort()
  const tokens = new Map(recipients.map(to => [to, token()]))

  // when
  await mailServer.context.transaction(async tx => {
    for (const to of recipients) await enqueueReset(tx, to, tokens.get(to)!)
  })

  // then: every mail waits, retried, with the reason and without its token
  const waiting = await waitFor('two failed attempts of every mail', async () => {
    const rows = await rowsTo(mailServer, recipients)
    return rows.every(row => row.attempts >= 2 && row.status === 'pending' && row.lastError !== '') && rows
  })
  for (const row of waiting) {
    assert.match(row.lastError, /ECONNREFUSED/)
    assert.ok(!row.lastError.includes(tokens.get(row.to)!))
    assert.ok(row.nextAttemptAt)
  }

  // when: a second sender joins, with its own connection as another server process has, and a
  // new SMTP server comes up on the same port
  const otherContext = await createContext(mailServer.databaseUrl)
  const otherWorker = startOutboxWorker(otherContext, {
    smtpUrl: `smtp://127.0.0.1:${smtpPort}`,
    intervalMs: POLL_MS,
    backoffMs: BACKOFF_MS,
  })
  try {
    const inbox = (mailbox = await startMailbox(smtpPort))

    // then: each mail arrives exactly once, and nothing more after a few more polls
    const arrived: Mail[] = []
    for (const to of recipients) arrived.push(await inbox.next(to))
    await waitFor('every row sent and released', async () =>
      (await rowsTo(mailServer, recipients)).every(row => row.status === 'sent' && row.lockedUntil === null),
    )
    await sleep(10 * POLL_MS)
    const delivered = inbox.mails.filter(mail => recipients.includes(mail.to))
    assert.equal(delivered.length, recipients.length)
    assert.equal(new Set(delivered.map(mail => mail.messageId)).size, recipients.length)
    assert.equal(new Set(delivered.map(mail => `${mail.to} ${mail.subject}`)).size, recipients.length)
    for (const mail of arrived) assert.equal(tokenFromMail(mail), tokens.get(mail.to))
    for (const row of await rowsTo(mailServer, recipients)) {
      assert.equal(row.status, 'sent')
      assert.equal(row.lockedUntil, null)
      assert.equal(row.messageId, delivered.find(mail => mail.to === row.to)?.messageId)
    }
  } finally {
    await otherWorker.stop()
    await (otherContext.prisma as { $disconnect: () => Promise<void> }).$disconnect()
  }
})

test('kickOutbox sends a committed mail at once, without waiting for the next poll', async () => {
  // given: a worker whose poll is far away, and its own SMTP server
  const inbox = await startMailbox()
  const worker = startOutboxWorker(server.context, { smtpUrl: inbox.url, intervalMs: 60_000 })
  const to = address()
  try {
    // when
    await server.context.transaction(async tx => {
      await enqueueMail(tx, { to, template: 'PASSWORD_CHANGED' })
    })
    kickOutbox()

    // then
    // well within the 60 s poll, so the mail came by the kick
    await inbox.next(to, /^Your password was changed$/, 20_000)
    kickOutbox()
    await sleep(5 * POLL_MS)
    assert.equal(inbox.mails.filter(mail => mail.to === to).length, 1)
  } finally {
    await worker.stop()
    await inbox.stop()
  }
})

test('staff reading the outbox through the API see no token, and sealedSecrets is no field', async () => {
  // given
  const actors = await makeActors(server.context)
  const to = actors.customer.email!
  const secret = token()
  await enqueueMail(server.context, {
    to,
    template: 'PASSWORD_RESET',
    params: { email: to, redirectUrl: REDIRECT_URL },
    secrets: { token: secret },
    userId: actors.customer.id,
  })

  // when
  const read = await server.gql(OUTBOX_MAILS, { to }, { token: actors.supportStaff.token })
  const sealed = await server.gql(SEALED_SECRETS, {}, { token: actors.superuser.token })

  // then
  assert.equal(read.body.errors, undefined)
  assert.equal(read.body.data.outboxMails.length, 1)
  assert.equal(read.body.data.outboxMails[0].subject, 'Reset your password')
  assert.equal(read.body.data.outboxMails[0].user.id, actors.customer.id)
  assert.ok(!JSON.stringify(read.body).includes(secret))
  assert.match(sealed.body.errors?.[0]?.message ?? '', /Cannot query field "sealedSecrets"/)
  const [row] = await rowsTo(server, [to])
  assert.ok(row?.sealedSecrets?.startsWith('v1.'))
  assert.ok(!JSON.stringify(row).includes(secret))
})

test("an enqueued mail commits or rolls back with the caller's transaction", async () => {
  // given
  const [rolledBack, committed] = [address(), address()]

  // when
  await assert.rejects(
    server.context.transaction(async tx => {
      await enqueueReset(tx, rolledBack, token())
      throw new Error('the change failed')
    }),
    /the change failed/,
  )
  await server.context.transaction(async tx => {
    await enqueueReset(tx, committed, token())
  })

  // then
  assert.deepEqual(
    (await rowsTo(server, [rolledBack, committed])).map(row => row.to),
    [committed],
  )
})

test('a mail left in sending by a crashed sender is sent again once its lease has run out', async () => {
  // given
  const to = address()
  await enqueueReset(server.context, to, token())
  const now = new Date(Date.now() + 1000)
  await server.context.prisma.outboxMail.updateMany({
    where: { to },
    data: { status: 'sending', lockedUntil: new Date(now.getTime() + 30_000) },
  })
  const { sent, transport } = fakeTransport()

  // when
  await deliverDueMails(server.context, transport, { now })
  const duringLease = sent.filter(mail => mail.to === to).length
  await deliverDueMails(server.context, transport, { now: new Date(now.getTime() + 61_000) })

  // then
  assert.equal(duringLease, 0)
  assert.equal(sent.filter(mail => mail.to === to).length, 1)
  assert.equal((await rowsTo(server, [to]))[0]?.status, 'sent')
})

test('a mail whose row is erased while it is on its way (the account deleted meanwhile) counts as sent, not failed, and is not retried', async () => {
  // given: a mail due, and a server that takes it while the account's erasure deletes its row
  const to = address()
  await enqueueReset(server.context, to, token())
  const now = new Date(Date.now() + 1000)
  const { sent, transport } = fakeTransport()
  const erasing = {
    async sendMail(mail: any) {
      if (mail.to === to) await server.context.prisma.outboxMail.deleteMany({ where: { to } })
      return transport.sendMail(mail)
    },
  } as any
  const warn = mock.method(console, 'warn', () => {})
  try {
    // when
    const outcome = await deliverDueMails(server.context, erasing, { now })
    const again = await deliverDueMails(server.context, transport, { now: new Date(now.getTime() + 61_000) })

    // then
    assert.equal(outcome.failed, 0)
    assert.ok(outcome.sent >= 1)
    assert.equal(sent.filter(mail => mail.to === to).length, 1)
    assert.equal(again.failed, 0)
    assert.deepEqual(await rowsTo(server, [to]), [])
    assert.deepEqual(
      warn.mock.calls.filter(call => String(call.arguments[0]).includes('failed')),
      [],
    )
  } finally {
    warn.mock.restore()
  }
})

test('a failed send is retried after a backoff, and its lastError never holds the token', async () => {
  // given: a server that rejects the mail and echoes its link back, token URL-encoded
  const to = address()
  const secret = `tok/en+${token()}`
  await enqueueReset(server.context, to, secret)
  const now = new Date(Date.now() + 1000)
  const echo = `554 rejected: ${REDIRECT_URL}&token=${encodeURIComponent(secret)}\nsecond line`
  const rejecting = fakeTransport(recipient =>
    recipient === to ? Object.assign(new Error(echo), { code: 'EMESSAGE' }) : undefined,
  )
  const accepting = fakeTransport()

  // when
  const first = await deliverDueMails(server.context, rejecting.transport, { now, backoffMs: 1000 })
  const [failed] = await rowsTo(server, [to])
  await deliverDueMails(server.context, accepting.transport, { now: new Date(now.getTime() + 500) })
  const early = accepting.sent.filter(mail => mail.to === to).length
  await deliverDueMails(server.context, accepting.transport, { now: new Date(now.getTime() + 1200) })

  // then
  assert.ok(first.failed >= 1)
  assert.equal(failed?.status, 'pending')
  assert.equal(failed?.attempts, 1)
  assert.equal(failed?.lastError, `EMESSAGE: 554 rejected: ${REDIRECT_URL}&token=[secret]`)
  const delay = failed!.nextAttemptAt!.getTime() - now.getTime()
  assert.ok(delay >= 900 && delay <= 1100, `backoff ${delay} ms`)
  assert.equal(early, 0)
  assert.equal(accepting.sent.filter(mail => mail.to === to).length, 1)
  const [sent] = await rowsTo(server, [to])
  assert.equal(sent?.status, 'sent')
  assert.equal(sent?.attempts, 2)
  assert.equal(sent?.lastError, '')
})

test('without an SMTP URL outside development the worker warns once, counting the mails waiting, and names no recipient while new ones stay in the outbox', async () => {
  // given: a mail already waiting
  const log = mock.method(console, 'log', () => {})
  const warn = mock.method(console, 'warn', () => {})
  const recipients = [address(), address()]
  const secret = token()
  try {
    await enqueueReset(server.context, recipients[0]!, secret)
    const waiting = await server.context.sudo().db.OutboxMail.count({ where: { status: { not: { equals: 'sent' } } } })

    // when
    const worker = startOutboxWorker(server.context, { smtpUrl: '', intervalMs: POLL_MS })
    await enqueueReset(server.context, recipients[1]!, secret)
    kickOutbox()
    await sleep(10 * POLL_MS)
    await worker.stop()

    // then
    assert.deepEqual(
      warn.mock.calls.map(call => call.arguments),
      [
        [
          `SMTP_URL is not set: no mail will leave this server; mails stay in the outbox (${waiting} waiting) until it is set and the server restarted`,
        ],
      ],
    )
    const logged = JSON.stringify([...log.mock.calls, ...warn.mock.calls].map(call => call.arguments))
    assert.ok(recipients.every(to => !logged.includes(to)))
    assert.ok(!logged.includes(secret))
    assert.ok((await rowsTo(server, recipients)).every(row => row.status === 'pending' && row.attempts === 0))
  } finally {
    log.mock.restore()
    warn.mock.restore()
  }
})
