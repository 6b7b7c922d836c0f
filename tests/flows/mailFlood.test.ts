// Mail floods and mail spoofing, black-box: real HTTP, a real SMTP server catching the mails.
// The rule (services/messaging/outbox.ts enqueueMail): a mail to an address that did not ask for it
// leaves at most once per quiet period per mailbox and kind of mail, whoever asks and through
// whichever flow, and every such request still answers as a success, in the same time. And text
// that someone else chose (names, shop names) reaches a mail escaped, on one line, capped, and never
// in the subject or the first line. The server trusts this test process as its proxy
// (TRUST_PROXY=127.0.0.1), so each story speaks from client addresses of its own.
import '../helpers/env'
import { randomBytes } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { databaseSkipReason, startServer, type TestServer } from '../helpers/server'
import { startMailbox, tokenFromMail, type Mail, type Mailbox } from '../helpers/mailbox'
import { PASSWORD, makeChannel, makeCustomer, makeStaff } from '../helpers/factories'
import { tokenFor } from '../helpers/actors'

const REDIRECT = 'http://localhost:3001/account'
const REQUEST_EMAIL_CHANGE = `mutation($password: String!, $newEmail: String!, $channel: String) {
  requestEmailChange(password: $password, newEmail: $newEmail, redirectUrl: "${REDIRECT}/email", channel: $channel) { errors { field code } }
}`
const CONFIRM_EMAIL_CHANGE = `mutation($token: String!) { confirmEmailChange(token: $token) { user { email } errors { field code } } }`
const REGISTER = `mutation($input: AccountRegisterInput!) { accountRegister(input: $input) { requiresConfirmation errors { field code } } }`
const REQUEST_RESET = `mutation($email: String!) { requestPasswordReset(email: $email, redirectUrl: "${REDIRECT}/reset") { errors { field code } } }`
const SET_PASSWORD = `mutation($email: String!, $token: String!) { setPassword(email: $email, token: $token, password: "a fresh and rather long passphrase") { errors { field code } } }`
const SEND_RESET = 'mutation($id: ID!) { sendPasswordResetUser(where: { id: $id }) { id } }'
const CUSTOMER_CREATE = `mutation($email: String!) { customerCreate(input: { email: $email, redirectUrl: "${REDIRECT}/reset" }) { user { id } errors { field code message } } }`
const CUSTOMER_DELETE = 'mutation($id: ID!) { customerDelete(id: $id) { errors { field code } } }'
// what a minimum-duration floor of 250 ms looks like from outside, with a little clock slack
const FLOOR_MS = 240

const PHISHING_NAME =
  '<a href="https://evil.example/reset">Your password was reset, click here</a>\r\nBcc: everyone@example.com\r\n\r\nSecurity team'

let lastOctet = 0
function anotherClient(): { headers: Record<string, string> } {
  lastOctet += 1
  return { headers: { 'x-forwarded-for': `198.51.100.${lastOctet}` } }
}

function address(prefix = 'target'): string {
  return `${prefix}-${randomBytes(4).toString('hex')}@example.com`
}

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms))

// the same inbox, however the address is spelled: case, and a +tag in the local part
function sameInbox(a: string, b: string): boolean {
  const mailbox = (value: string) =>
    value
      .trim()
      .toLowerCase()
      .replace(/\+[^@]*@/, '@')
  return mailbox(a) === mailbox(b)
}

async function startStack(options: { databaseUrl?: string; database?: 'postgresql' } = {}, mailbox: Mailbox) {
  return startServer({
    ...options,
    env: { SMTP_URL: mailbox.url, OUTBOX_POLL_MS: '100', TRUST_PROXY: '127.0.0.1' },
  })
}

function floodStories(setup: () => { server: TestServer; other: TestServer; mailbox: Mailbox }) {
  const gql = (...args: Parameters<TestServer['gql']>) => setup().server.gql(...args)

  async function customerSession(data: Record<string, unknown> = {}) {
    const { server } = setup()
    const user = await makeCustomer(server.context, data)
    return { user, token: await tokenFor(server.context, user.id) }
  }

  // every outbox row to the inbox of `to`, whatever the spelling it was queued under
  async function rowsTo(to: string, template?: string) {
    const rows = await setup().server.context.prisma.outboxMail.findMany({
      where: template ? { template } : {},
      select: { to: true, template: true },
    })
    return rows.filter(row => sameInbox(row.to, to))
  }

  // the mails the SMTP server caught for the inbox of `to`: once `expected` of them have come (a
  // loaded machine's outbox may take seconds), and then long enough for any one more to come too
  async function mailsTo(to: string, expected: number): Promise<Mail[]> {
    const caught = () => setup().mailbox.mails.filter(mail => sameInbox(mail.to, to))
    const deadline = Date.now() + 20_000
    while (caught().length < expected && Date.now() < deadline) await sleep(50)
    await sleep(800)
    return caught()
  }

  async function timed<T>(work: Promise<T>): Promise<{ result: T; ms: number }> {
    const started = performance.now()
    const result = await work
    return { result, ms: performance.now() - started }
  }

  test('eight requestEmailChange from one customer to one address: each answers success in the same time, one mail goes, and its link still works', async () => {
    // given
    const { user, token } = await customerSession()
    const target = address()
    const client = anotherClient()
    // when
    const answers = []
    for (let i = 0; i < 8; i++)
      answers.push(
        await timed(gql(REQUEST_EMAIL_CHANGE, { password: PASSWORD, newEmail: target }, { token, ...client })),
      )
    // then
    for (const { result, ms } of answers) {
      assert.equal(result.body.errors, undefined, JSON.stringify(result.body.errors))
      assert.deepEqual(result.body.data.requestEmailChange.errors, [])
      assert.ok(ms >= FLOOR_MS, `answered in ${ms} ms, under the floor`)
    }
    assert.equal((await rowsTo(target)).length, 1)
    const mail = await setup().mailbox.next(target, /email/i)
    assert.equal((await mailsTo(target, 1)).length, 1)
    // the one mail's link was not replaced by the quiet requests' tokens
    const confirmed = await gql(CONFIRM_EMAIL_CHANGE, { token: tokenFromMail(mail) }, { token })
    assert.deepEqual(confirmed.body.data.confirmEmailChange, { user: { email: target }, errors: [] })
    assert.equal((await setup().server.context.prisma.user.findUnique({ where: { id: user.id } }))?.email, target)
  })

  test('six customers asking at once to move to one address: one mail', async () => {
    // given
    const target = address()
    const customers = await Promise.all(Array.from({ length: 6 }, () => customerSession()))
    // when: at once, each from its own network, over both server processes when there are two
    const answers = await Promise.all(
      customers.map(({ token }, i) =>
        (i % 2 ? setup().other : setup().server).gql(
          REQUEST_EMAIL_CHANGE,
          { password: PASSWORD, newEmail: target },
          { token, ...anotherClient() },
        ),
      ),
    )
    // then
    for (const answer of answers) assert.deepEqual(answer.body.data.requestEmailChange.errors, [])
    assert.equal((await rowsTo(target)).length, 1)
    await setup().mailbox.next(target, /email/i)
    assert.equal((await mailsTo(target, 1)).length, 1)
  })

  test('the same inbox under other spellings (case, spaces, +tags) gets one email-change mail', async () => {
    // given
    const target = address()
    const [local, domain] = target.split('@') as [string, string]
    const spellings = [
      target,
      `${local.toUpperCase()}@${domain.toUpperCase()}`,
      `  ${target}  `,
      `${local}+shop@${domain}`,
      `${local.toUpperCase()}+other@${domain}`,
      `${local}+@${domain}`,
    ]
    const customers = await Promise.all(spellings.map(() => customerSession()))
    // when
    const answers = []
    for (const [i, spelling] of spellings.entries())
      answers.push(
        await gql(
          REQUEST_EMAIL_CHANGE,
          { password: PASSWORD, newEmail: spelling },
          { token: customers[i]!.token, ...anotherClient() },
        ),
      )
    // then
    for (const answer of answers) assert.deepEqual(answer.body.data.requestEmailChange.errors, [])
    assert.equal((await rowsTo(target)).length, 1)
    assert.equal((await mailsTo(target, 1)).length, 1)
  })

  test('the owner of a taken address gets one notice, whether others try to move to it or register with it', async () => {
    // given
    const { server } = setup()
    const owner = await makeCustomer(server.context)
    const movers = await Promise.all([1, 2, 3].map(() => customerSession()))
    // when: email changes to it, and registrations with it, interleaved
    for (const [i, { token }] of movers.entries()) {
      const moved = await gql(
        REQUEST_EMAIL_CHANGE,
        { password: PASSWORD, newEmail: i === 1 ? owner.email.toUpperCase() : owner.email },
        { token, ...anotherClient() },
      )
      assert.deepEqual(moved.body.data.requestEmailChange.errors, [])
      const registered = await gql(
        REGISTER,
        { input: { email: owner.email, password: 'an entirely new passphrase', redirectUrl: `${REDIRECT}/confirm` } },
        anotherClient(),
      )
      assert.deepEqual(registered.body.data.accountRegister, { requiresConfirmation: true, errors: [] })
    }
    // then
    assert.deepEqual(await rowsTo(owner.email), [{ to: owner.email, template: 'ACCOUNT_EXISTS' }])
    assert.equal((await mailsTo(owner.email, 1)).length, 1)
  })

  test("password links: anyone's requests share one quiet period, which setPassword ends; staff's sends are one a minute and say so", async () => {
    // given
    const { server } = setup()
    const customer = await makeCustomer(server.context)
    const support = await makeStaff(server.context, ['MANAGE_USERS'])
    const supportToken = await tokenFor(server.context, support.id)
    // when: anyone asks five times, under two spellings, from five networks
    for (const email of [customer.email, customer.email.toUpperCase(), customer.email, customer.email, customer.email])
      assert.deepEqual((await gql(REQUEST_RESET, { email }, anotherClient())).body.data.requestPasswordReset.errors, [])
    // and staff click "Send password reset" three times
    const staffSends = []
    for (let i = 0; i < 3; i++) staffSends.push(await gql(SEND_RESET, { id: customer.id }, { token: supportToken }))
    // then: one mail for anyone's requests, one for staff's, and staff are told about the others
    assert.equal(staffSends[0]!.body.errors, undefined, JSON.stringify(staffSends[0]!.body.errors))
    for (const refused of staffSends.slice(1)) {
      assert.equal(refused.body.errors?.[0]?.extensions?.code, 'TOO_MANY_REQUESTS', JSON.stringify(refused.body))
      assert.match(refused.body.errors[0].message, /less than a minute ago/)
    }
    assert.equal((await rowsTo(customer.email, 'PASSWORD_RESET')).length, 2)
    assert.equal((await mailsTo(customer.email, 2)).length, 2)
    // the newest link (staff's) sets the password, which ends the quiet period for anyone's requests
    const outcomes = []
    for (const mail of setup().mailbox.mails.filter(mail => mail.to === customer.email))
      outcomes.push(
        (await gql(SET_PASSWORD, { email: customer.email, token: tokenFromMail(mail) })).body.data.setPassword,
      )
    assert.deepEqual(
      outcomes.map(outcome => outcome.errors.map((error: { code: string }) => error.code).join()),
      ['INVALID', ''],
    )
    assert.deepEqual(
      (await gql(REQUEST_RESET, { email: customer.email }, anotherClient())).body.data.requestPasswordReset.errors,
      [],
    )
    assert.equal((await rowsTo(customer.email, 'PASSWORD_RESET')).length, 3)
  })

  test('staff creating, deleting and creating a customer again send one set-password link a minute; the refused create changes nothing', async () => {
    // given
    const { server } = setup()
    const support = await makeStaff(server.context, ['MANAGE_USERS'])
    const supportToken = await tokenFor(server.context, support.id)
    const email = address('invited')
    const created = await gql(CUSTOMER_CREATE, { email }, { token: supportToken })
    assert.deepEqual(created.body.data.customerCreate.errors, [])
    const deleted = await gql(
      CUSTOMER_DELETE,
      { id: created.body.data.customerCreate.user.id },
      { token: supportToken },
    )
    assert.deepEqual(deleted.body.data.customerDelete.errors, [])
    // when
    const again = await gql(CUSTOMER_CREATE, { email }, { token: supportToken })
    // then
    assert.deepEqual(
      again.body.data.customerCreate.errors.map((error: { code: string }) => error.code),
      ['TOO_MANY_REQUESTS'],
    )
    assert.equal(again.body.data.customerCreate.user, null)
    assert.equal(await server.context.prisma.user.count({ where: { email } }), 0)
    // the deleted customer's mail lost its recipient with it (erasure), and the refused create wrote none
    assert.equal((await rowsTo(email)).length, 0)
  })

  test('a first name with HTML, line breaks and a phishing line reaches the mail escaped, on one line, capped, below a fixed first line and never in the subject', async () => {
    // given: an attacker's account named with a phishing line, and a shop name with markup and line breaks
    const { server } = setup()
    const channel = await makeChannel(server.context, { name: 'Acme <img src=x onerror=alert(1)>\r\nClick now' })
    const { token } = await customerSession({ firstName: PHISHING_NAME })
    const victim = address('victim')
    const registered = address('victim')
    // when: it asks to move to the victim's address, and registers another victim's address under that name
    await gql(
      REQUEST_EMAIL_CHANGE,
      { password: PASSWORD, newEmail: victim, channel: channel.slug },
      { token, ...anotherClient() },
    )
    await gql(
      REGISTER,
      {
        input: {
          email: registered,
          password: 'an entirely new passphrase',
          firstName: PHISHING_NAME,
          redirectUrl: `${REDIRECT}/confirm`,
          channel: channel.slug,
        },
      },
      anotherClient(),
    )
    // then
    const mails = [await setup().mailbox.next(victim), await setup().mailbox.next(registered)]
    for (const mail of mails) {
      const context = `${mail.subject}\n${mail.text}`
      assert.match(mail.subject, /^(Confirm your new email address|Confirm your account)$/, context)
      const [firstLine] = mail.text.split('\n')
      assert.doesNotMatch(firstLine!, /password was reset|evil|Acme|Click/i, context)
      // the name is on one line of its own making: no header-like line, no line that starts with it
      assert.equal(
        mail.text.split('\n').filter(line => /^(Bcc:|Security team|<a |Your password)/.test(line.trim())).length,
        0,
        context,
      )
      assert.ok(!mail.text.includes('\r'), context)
      const nameLine = mail.text.split('\n').find(line => line.includes('Your password was reset'))
      assert.ok(nameLine, `the name still shows, escaped and capped:\n${context}`)
      assert.ok(!nameLine.startsWith('<a'), nameLine)
      assert.ok(!nameLine.includes('Security team'), `capped: ${nameLine}`)
      // HTML: the markup is text, the shop's too
      assert.ok(!mail.html.includes('<a href="https://evil.example'), mail.html)
      assert.ok(mail.html.includes('&#60;a href=&#34;https://evil.example/reset&#34;&#62;Your password'), mail.html)
      assert.ok(!mail.html.includes('<img'), mail.html)
      assert.ok(mail.html.includes('Acme &#60;img src=x onerror=alert(1)&#62; Click now'), mail.html)
      const firstParagraph = /<p[^>]*>([^<]*)<\/p>/.exec(mail.html)?.[1] ?? ''
      assert.doesNotMatch(firstParagraph, /password was reset|evil|Acme|&#60;/i, mail.html)
    }
  })
}

describe('mail floods and spoofing, one server process', () => {
  let server: TestServer
  let mailbox: Mailbox

  before(async () => {
    mailbox = await startMailbox()
    server = await startStack({}, mailbox)
  })
  after(async () => {
    await server?.stop()
    await mailbox?.stop()
  })

  floodStories(() => ({ server, other: server, mailbox }))
})

describe(
  'mail floods from concurrent twins over two server processes on PostgreSQL',
  {
    skip: databaseSkipReason('postgresql'),
  },
  () => {
    let first: TestServer
    let second: TestServer
    let mailbox: Mailbox

    before(async () => {
      mailbox = await startMailbox()
      first = await startStack({ database: 'postgresql' }, mailbox)
      second = await startStack({ databaseUrl: first.databaseUrl }, mailbox)
    })
    after(async () => {
      await second?.stop()
      await first?.stop()
      await mailbox?.stop()
    })

    test('eight twins of one customer and six other customers at once, over two processes, to one address: one mail', async () => {
      // given
      const target = address()
      const owners = await Promise.all(Array.from({ length: 7 }, () => makeCustomer(first.context)))
      const tokens = await Promise.all(owners.map(owner => tokenFor(first.context, owner.id)))
      const requests = [...Array.from({ length: 8 }, () => tokens[0]!), ...tokens.slice(1)]
      // when
      const answers = await Promise.all(
        requests.map((token, i) =>
          (i % 2 ? second : first).gql(
            REQUEST_EMAIL_CHANGE,
            { password: PASSWORD, newEmail: i % 3 ? target : target.toUpperCase() },
            { token, ...anotherClient() },
          ),
        ),
      )
      // then
      for (const answer of answers)
        assert.deepEqual(answer.body.data.requestEmailChange.errors, [], JSON.stringify(answer.body))
      const rows = await first.context.prisma.outboxMail.findMany({ where: { template: 'EMAIL_CHANGE_CONFIRMATION' } })
      assert.equal(rows.filter(row => sameInbox(row.to, target)).length, 1)
      await mailbox.next(target, /email/i)
      await sleep(800)
      assert.equal(mailbox.mails.filter(mail => sameInbox(mail.to, target)).length, 1)
    })

    test('concurrent anonymous reset requests and registrations of a taken address over two processes: one mail of each kind', async () => {
      // given
      const owner = await makeCustomer(first.context)
      // when
      const answers = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          (i % 2 ? second : first).gql(
            i % 4 < 2 ? REQUEST_RESET : REGISTER,
            i % 4 < 2
              ? { email: owner.email }
              : { input: { email: owner.email, password: 'an entirely new passphrase', redirectUrl: `${REDIRECT}/c` } },
            anotherClient(),
          ),
        ),
      )
      // then
      for (const answer of answers) assert.equal(answer.body.errors, undefined, JSON.stringify(answer.body.errors))
      const rows = await first.context.prisma.outboxMail.findMany({ where: { to: owner.email } })
      assert.deepEqual(rows.map(row => row.template).sort(), ['ACCOUNT_EXISTS', 'PASSWORD_RESET'])
    })
  },
)
