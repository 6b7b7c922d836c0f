// Look-alike emails are one account. Every address is stored in one form (NFKC, lower case, the
// domain as IDNA ASCII without a trailing dot); one holding a character that renders as nothing is
// refused (INVALID); one whose confusable skeleton (Unicode TR 39) is an existing account's is
// taken, answered as a taken email is on each path: accountRegister answers like a new email and
// mails the owner at the owner's own address, the staff paths answer UNIQUE on email. The attacks:
// fullwidth letters, a zero-width space, a trailing dot in the domain, a dotted capital I, Cyrillic
// and Greek letters in the local part and the domain, an IDN domain typed in Unicode or punycode,
// mixed case of the confusable form, twin registrations at once, and rows written before skeletons.
import '../../helpers/env'
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { TEST_DATABASES, databaseSkipReason, startServer, type TestServer } from '../../helpers/server'
import { createTestDatabase } from '../../helpers/database'
import { startMailbox, tokenFromMail, type Mailbox } from '../../helpers/mailbox'
import { PASSWORD, makeCustomer, makeStaff } from '../../helpers/factories'
import { tokenFor } from '../../helpers/actors'
import { emailSkeleton, normalizeEmail } from '../../../services/kernel/emailAddress'

const REGISTER = `mutation($input: AccountRegisterInput!) { accountRegister(input: $input) { requiresConfirmation user { id } errors { field code } } }`
const TOKEN_CREATE = `mutation($email: String!, $password: String!) { tokenCreate(email: $email, password: $password) { token user { id } errors { field code } } }`
const REQUEST_RESET = `mutation($email: String!) { requestPasswordReset(email: $email, redirectUrl: "http://localhost:3001/reset") { errors { field code } } }`
const CUSTOMER_CREATE = `mutation($input: CustomerInput!) { customerCreate(input: $input) { user { id } errors { field code } } }`
const CUSTOMER_UPDATE = `mutation($id: ID!, $input: CustomerInput!) { customerUpdate(id: $id, input: $input) { errors { field code } } }`
const STAFF_CREATE = `mutation($input: StaffCreateInput!) { staffCreate(input: $input) { user { id } errors { field code } } }`
const STAFF_UPDATE = `mutation($id: ID!, $input: StaffUpdateInput!) { staffUpdate(id: $id, input: $input) { errors { field code } } }`
const CREATE_USER = `mutation($data: UserCreateInput!) { createUser(data: $data) { id } }`
const UPDATE_USER = `mutation($id: ID!, $data: UserUpdateInput!) { updateUser(where: { id: $id }, data: $data) { id } }`
const FIND_USER = `query($email: String!) { user(where: { email: $email }) { id } users(where: { email: { equals: $email } }) { id } }`
const REQUEST_EMAIL_CHANGE = `mutation($password: String!, $newEmail: String!) { requestEmailChange(password: $password, newEmail: $newEmail, redirectUrl: "http://localhost:3001/email") { errors { field code } } }`
const CONFIRM_EMAIL_CHANGE = `mutation($token: String!) { confirmEmailChange(token: $token) { user { email } errors { field code } } }`
const REDIRECT = 'http://localhost:3001/confirm'
const NEW_PASSWORD = 'an entirely new passphrase'
const ORDINARY = { requiresConfirmation: true, user: null, errors: [] }

const tag = () => randomBytes(4).toString('hex')

// the ASCII letters and digits of a string in their fullwidth forms (ａ…ｚ, Ａ…Ｚ, ０…９)
function fullwidth(text: string): string {
  return text.replace(/[A-Za-z0-9]/g, char => String.fromCodePoint(char.codePointAt(0)! + 0xfee0))
}

let server: TestServer
let mailbox: Mailbox
let staffToken: string

before(async () => {
  mailbox = await startMailbox()
  server = await startServer({
    env: { SMTP_URL: mailbox.url, OUTBOX_POLL_MS: '100', ACCOUNT_REQUEST_LIMIT: '1000' },
  })
  staffToken = await tokenFor(server.context, (await makeStaff(server.context, ['MANAGE_USERS', 'MANAGE_STAFF'])).id)
})
after(async () => {
  await server?.stop()
  await mailbox?.stop()
})

function register(email: string) {
  return server.gql(REGISTER, { input: { email, password: NEW_PASSWORD, redirectUrl: REDIRECT } })
}

/** How many accounts hold an address that looks like `email`. */
async function accountsLike(email: string): Promise<number> {
  return server.context.prisma.user.count({ where: { emailSkeleton: emailSkeleton(normalizeEmail(email)) } })
}

// the look-alikes of an owner's address, each answered as that address is
const REGISTER_CASES: { name: string; owner: (t: string) => string; typed: (owner: string) => string }[] = [
  { name: 'in fullwidth letters', owner: t => `alice-${t}@example.com`, typed: fullwidth },
  { name: 'with a trailing dot in the domain', owner: t => `bob-${t}@example.com`, typed: owner => `${owner}.` },
  {
    name: 'with a dotted capital I for i',
    owner: t => `info-${t}@example.com`,
    typed: owner => owner.toUpperCase().replace('I', 'İ'),
  },
  {
    name: 'with a Cyrillic а for a Latin a',
    owner: t => `anna-${t}@example.com`,
    typed: owner => owner.replace(/a/g, 'а'),
  },
  {
    name: 'in mixed case of the Cyrillic form',
    owner: t => `carla-${t}@example.com`,
    typed: owner => owner.replace('c', 'С').replace('a', 'А').replace('l', 'L'),
  },
  {
    name: 'with a Cyrillic о in the domain',
    owner: t => `dora-${t}@shop-${t}.com`,
    typed: owner => owner.replace(/shop/, 'shоp'),
  },
  {
    name: 'with the domain typed as the punycode of its Cyrillic look-alike',
    owner: t => `eve-${t}@example.com`,
    typed: owner => owner.replace('example.com', 'xn--exmple-4nf.com'),
  },
  { name: 'with a Greek ο for o', owner: t => `olga-${t}@example.com`, typed: owner => owner.replace('o', 'ο') },
  { name: 'with rn for m', owner: t => `mary-${t}@example.com`, typed: owner => owner.replace('m', 'rn') },
]

for (const { name, owner: ownerOf, typed: typedOf } of REGISTER_CASES) {
  test(`accountRegister with a registered address ${name} answers like a new one, creates nothing and mails the owner`, async () => {
    // given
    const owner = await makeCustomer(server.context, { email: ownerOf(tag()) })
    const typed = typedOf(owner.email)
    assert.notEqual(typed, owner.email)
    const users = await server.context.prisma.user.count()

    // when
    const taken = await register(typed)
    const fresh = await register(`fresh-${tag()}@example.com`)

    // then
    assert.deepEqual(taken.body, fresh.body)
    assert.deepEqual(taken.body.data.accountRegister, ORDINARY)
    assert.equal(await server.context.prisma.user.count(), users + 1, 'only the fresh address made an account')
    assert.equal(await accountsLike(typed), 1)
    const notice = await mailbox.next(owner.email)
    assert.doesNotMatch(notice.text, /token=/)
    // nothing went to the look-alike address: it may be anyone's
    const stored = normalizeEmail(typed)
    if (stored !== owner.email) assert.equal(await server.context.prisma.outboxMail.count({ where: { to: stored } }), 0)
  })
}

const HIDDEN_CHARACTERS = {
  'a zero-width space': '\u200b',
  'a zero-width joiner': '\u200d',
  'a soft hyphen': '\u00ad',
  'a right-to-left override': '\u202e',
  'a variation selector': '\ufe0f',
  'a byte order mark at the start': '\ufeff',
}

for (const [name, char] of Object.entries(HIDDEN_CHARACTERS)) {
  test(`accountRegister refuses an address with ${name} (INVALID on email), for a registered and a new one alike`, async () => {
    // given
    const owner = await makeCustomer(server.context, { email: `zed-${tag()}@example.com` })
    const users = await server.context.prisma.user.count()
    const hide = (email: string) => (name.endsWith('at the start') ? `${char}${email}` : email.replace('@', `${char}@`))

    // when
    const taken = await register(hide(owner.email))
    const fresh = await register(hide(`fresh-${tag()}@example.com`))
    const inDomain = await register(`fresh-${tag()}@exam${char}ple.com`)

    // then
    for (const answer of [taken, fresh, inDomain])
      assert.deepEqual(answer.body.data.accountRegister.errors, [{ field: 'email', code: 'INVALID' }])
    assert.equal(await server.context.prisma.user.count(), users)
  })
}

test('accountRegister of a new address in fullwidth letters with a trailing dot stores its ASCII form, which then is taken', async () => {
  // given
  const email = `frank-${tag()}@example.com`

  // when
  const first = await register(`${fullwidth(email.toUpperCase())}.`)
  const second = await register(email)

  // then
  assert.deepEqual(first.body.data.accountRegister, ORDINARY)
  assert.deepEqual(second.body.data.accountRegister, ORDINARY)
  const stored = await server.context.prisma.user.findMany({ where: { emailSkeleton: emailSkeleton(email) } })
  assert.deepEqual(
    stored.map(user => user.email),
    [email],
  )
})

test('an internationalised domain is one account whether typed in Unicode or punycode, and signs in either way', async () => {
  // given
  const t = tag()
  const unicode = `käthe-${t}@bücher-${t}.de`
  const owner = await makeCustomer(server.context, { email: unicode })
  assert.equal(owner.email, normalizeEmail(unicode))
  assert.match(owner.email, /@xn--bcher-/)

  // when
  const punycode = await register(owner.email)
  const upper = await register(unicode.toUpperCase())
  const signIn = await server.gql(TOKEN_CREATE, { email: unicode.toUpperCase(), password: PASSWORD })

  // then
  assert.deepEqual(punycode.body.data.accountRegister, ORDINARY)
  assert.deepEqual(upper.body.data.accountRegister, ORDINARY)
  assert.equal(await accountsLike(unicode), 1)
  assert.equal(signIn.body.data.tokenCreate.user?.id, owner.id)
})

test('a customer signs in, asks for a reset and is found by staff with the fullwidth form of an ASCII address', async () => {
  // given
  const owner = await makeCustomer(server.context, { email: `gina-${tag()}@example.com` })
  const typed = fullwidth(owner.email.toUpperCase())

  // when
  const signIn = await server.gql(TOKEN_CREATE, { email: typed, password: PASSWORD })
  const reset = await server.gql(REQUEST_RESET, { email: `${typed}.` })
  const found = await server.gql(FIND_USER, { email: typed }, { token: staffToken })

  // then
  assert.deepEqual(signIn.body.data.tokenCreate.errors, [])
  assert.equal(signIn.body.data.tokenCreate.user.id, owner.id)
  assert.ok(signIn.body.data.tokenCreate.token)
  assert.deepEqual(reset.body.data.requestPasswordReset.errors, [])
  assert.ok(tokenFromMail(await mailbox.next(owner.email)))
  assert.deepEqual(found.body.data, { user: { id: owner.id }, users: [{ id: owner.id }] })
})

test('a look-alike is not the account for signing in: the Cyrillic form of an address with its password is refused', async () => {
  // given
  const owner = await makeCustomer(server.context, { email: `hana-${tag()}@example.com` })

  // when
  const signIn = await server.gql(TOKEN_CREATE, { email: owner.email.replace(/a/g, 'а'), password: PASSWORD })

  // then
  assert.equal(signIn.body.data.tokenCreate.token, null)
  assert.deepEqual(signIn.body.data.tokenCreate.errors, [{ field: 'email', code: 'INVALID_CREDENTIALS' }])
})

test('customerCreate and staffCreate with a look-alike of a customer answer UNIQUE on email; staffCreate promotes nobody', async () => {
  // given
  const owner = await makeCustomer(server.context, { email: `ivan-${tag()}@example.com` })
  const users = await server.context.prisma.user.count()

  // when
  const answers = [
    await server.gql(CUSTOMER_CREATE, { input: { email: fullwidth(owner.email) } }, { token: staffToken }),
    await server.gql(CUSTOMER_CREATE, { input: { email: owner.email.replace('i', 'і') } }, { token: staffToken }),
    await server.gql(STAFF_CREATE, { input: { email: owner.email.replace('a', 'а') } }, { token: staffToken }),
    await server.gql(
      STAFF_CREATE,
      { input: { email: owner.email.toUpperCase().replace('I', 'İ') } },
      { token: staffToken },
    ),
  ]

  // then
  for (const answer of answers) {
    const [result] = Object.values(answer.body.data) as { user: unknown; errors: unknown }[]
    assert.deepEqual(result, { user: null, errors: [{ field: 'email', code: 'UNIQUE' }] })
  }
  assert.equal(await server.context.prisma.user.count(), users)
  const after = await server.context.prisma.user.findUniqueOrThrow({ where: { id: owner.id } })
  assert.equal(after.isStaff, false)
})

test('the generated createUser with a look-alike of an existing address is refused as taken and creates nothing', async () => {
  // given
  const owner = await makeCustomer(server.context, { email: `jack-${tag()}@example.com` })
  const users = await server.context.prisma.user.count()

  // when
  const answers = [
    await server.gql(CREATE_USER, { data: { email: owner.email.replace('a', 'а') } }, { token: staffToken }),
    await server.gql(CREATE_USER, { data: { email: `${fullwidth(owner.email)}.` } }, { token: staffToken }),
  ]

  // then
  for (const answer of answers) {
    assert.equal(answer.body.data?.createUser ?? null, null)
    assert.equal(answer.body.errors?.length, 1)
    assert.match(answer.body.errors[0].message, /UNIQUE: User with this email already exists/)
  }
  assert.equal(await server.context.prisma.user.count(), users)
})

test('the generated createUsers with two look-alikes of one new address in one request creates neither and answers the taken-email refusal', async () => {
  // given
  const email = `kim-${tag()}@example.com`
  const users = await server.context.prisma.user.count()

  // when
  const answer = await server.gql(
    `mutation($data: [UserCreateInput!]!) { createUsers(data: $data) { id } }`,
    { data: [{ email }, { email: email.replace('i', 'і') }, { email: fullwidth(email) }] },
    { token: staffToken },
  )

  // then
  assert.equal(answer.status, 200)
  const errors = (answer.body.errors ?? []) as { message: string; extensions: { code: string } }[]
  assert.ok(errors.length > 0, JSON.stringify(answer.body))
  assert.deepEqual(
    errors.filter(error => error.extensions.code === 'KS_PRISMA_ERROR'),
    [],
  )
  assert.ok(
    errors.some(error => /UNIQUE: User with this email already exists/.test(error.message)),
    JSON.stringify(errors),
  )
  assert.equal(await server.context.prisma.user.count(), users)
})

test('customerUpdate, staffUpdate and the generated updateUser refuse a look-alike of another account and change nothing', async () => {
  // given
  const owner = await makeCustomer(server.context, { email: `kate-${tag()}@example.com` })
  const customer = await makeCustomer(server.context)
  const staff = await makeStaff(server.context, [])
  const lookalike = owner.email.replace('a', 'а')

  // when
  const byCustomerUpdate = await server.gql(
    CUSTOMER_UPDATE,
    { id: customer.id, input: { email: lookalike } },
    { token: staffToken },
  )
  const byStaffUpdate = await server.gql(
    STAFF_UPDATE,
    { id: staff.id, input: { email: lookalike } },
    { token: staffToken },
  )
  const byUpdateUser = await server.gql(
    UPDATE_USER,
    { id: customer.id, data: { email: fullwidth(owner.email) } },
    { token: staffToken },
  )

  // then
  assert.deepEqual(byCustomerUpdate.body.data.customerUpdate.errors, [{ field: 'email', code: 'UNIQUE' }])
  assert.deepEqual(byStaffUpdate.body.data.staffUpdate.errors, [{ field: 'email', code: 'UNIQUE' }])
  assert.match(byUpdateUser.body.errors?.[0]?.message ?? '', /UNIQUE: User with this email already exists/)
  const [customerAfter, staffAfter] = await Promise.all(
    [customer.id, staff.id].map(id => server.context.prisma.user.findUniqueOrThrow({ where: { id } })),
  )
  assert.equal(customerAfter!.email, customer.email)
  assert.equal(staffAfter!.email, staff.email)
  assert.equal(await accountsLike(owner.email), 1)
})

test('staff changing an email store it normalised with its skeleton: the old look-alikes are free, the new ones taken', async () => {
  // given
  const customer = await makeCustomer(server.context, { email: `lena-${tag()}@example.com` })
  const newEmail = `lena-new-${tag()}@example.com`

  // when
  const changed = await server.gql(
    CUSTOMER_UPDATE,
    { id: customer.id, input: { email: `${fullwidth(newEmail)}.` } },
    { token: staffToken },
  )
  const onOldLookalike = await server.gql(
    CUSTOMER_CREATE,
    { input: { email: customer.email.replace('e', 'е') } },
    { token: staffToken },
  )
  const onNewLookalike = await server.gql(
    CUSTOMER_CREATE,
    { input: { email: newEmail.replace('e', 'е') } },
    { token: staffToken },
  )

  // then
  assert.deepEqual(changed.body.data.customerUpdate.errors, [])
  const after = await server.context.prisma.user.findUniqueOrThrow({ where: { id: customer.id } })
  assert.equal(after.email, newEmail)
  assert.equal(after.emailSkeleton, emailSkeleton(newEmail))
  assert.deepEqual(onOldLookalike.body.data.customerCreate.errors, [])
  assert.deepEqual(onNewLookalike.body.data.customerCreate.errors, [{ field: 'email', code: 'UNIQUE' }])
})

test("requestEmailChange to a look-alike of another account mails that account's owner a notice, and no link to the look-alike", async () => {
  // given
  const owner = await makeCustomer(server.context, { email: `mona-${tag()}@example.com` })
  const customer = await makeCustomer(server.context)
  const token = await tokenFor(server.context, customer.id)
  const lookalike = owner.email.replace('o', 'о')

  // when
  const answer = await server.gql(REQUEST_EMAIL_CHANGE, { password: PASSWORD, newEmail: lookalike }, { token })

  // then
  assert.deepEqual(answer.body.data.requestEmailChange.errors, [])
  const notice = await mailbox.next(owner.email)
  assert.doesNotMatch(notice.text, /token=/)
  assert.equal(await server.context.prisma.outboxMail.count({ where: { to: normalizeEmail(lookalike) } }), 0)
  assert.equal(
    await server.context.prisma.oneTimeToken.count({ where: { userId: customer.id, purpose: 'EMAIL_CHANGE' } }),
    0,
  )
})

test('confirmEmailChange is refused UNIQUE on newEmail when a look-alike of the new address registered meanwhile', async () => {
  // given a link mailed to a free address
  const customer = await makeCustomer(server.context)
  const token = await tokenFor(server.context, customer.id)
  const newEmail = `nina-${tag()}@example.com`
  const requested = await server.gql(REQUEST_EMAIL_CHANGE, { password: PASSWORD, newEmail }, { token })
  assert.deepEqual(requested.body.data.requestEmailChange.errors, [])
  const link = tokenFromMail(await mailbox.next(newEmail))
  // and an account on a look-alike of it since
  await makeCustomer(server.context, { email: newEmail.replace('i', 'і') })

  // when
  const confirmed = await server.gql(CONFIRM_EMAIL_CHANGE, { token: link }, { token })

  // then
  assert.deepEqual(confirmed.body.data.confirmEmailChange.errors, [{ field: 'newEmail', code: 'UNIQUE' }])
  const after = await server.context.prisma.user.findUniqueOrThrow({ where: { id: customer.id } })
  assert.equal(after.email, customer.email)
})

test('accounts written before skeletons get theirs and their stored email form at the next start; of two look-alikes the later stays as it was and is logged by id', async () => {
  // given a database whose accounts have no skeleton, as before this change
  const { databaseUrl, drop } = await createTestDatabase()
  let first: TestServer | undefined
  let second: TestServer | undefined
  try {
    first = await startServer({ databaseUrl })
    const t = tag()
    const legacy = async (email: string) => {
      const user = await makeCustomer(first!.context, { email: `placeholder-${tag()}@example.com` })
      // what the old rule stored: trimmed and lower-cased, nothing more
      return first!.context.prisma.user.update({
        where: { id: user.id },
        data: { email: email.trim().toLowerCase(), emailSkeleton: null },
      })
    }
    const earlier = await legacy(`oscar-${t}@example.com`)
    const later = await legacy(fullwidth(`oscar-${t}@example.com`))
    const cyrillicTwin = await legacy(`pаul-${t}@example.com`)
    const alone = await legacy(`quinn-${t}@example.com`)
    const unicodeDomain = await legacy(`rosa-${t}@bücher-${t}.de`)
    await first.stop()
    first = undefined

    // when
    second = await startServer({ databaseUrl })

    // then
    const rows = await second.context.prisma.user.findMany({
      where: { id: { in: [earlier.id, later.id, cyrillicTwin.id, alone.id, unicodeDomain.id] } },
    })
    const skeletonOf = (id: string) => rows.find(row => row.id === id)!.emailSkeleton
    const emailOf = (id: string) => rows.find(row => row.id === id)!.email
    assert.equal(skeletonOf(earlier.id), emailSkeleton(`oscar-${t}@example.com`))
    assert.equal(skeletonOf(later.id), null)
    assert.equal(skeletonOf(cyrillicTwin.id), emailSkeleton(`paul-${t}@example.com`))
    assert.equal(skeletonOf(alone.id), emailSkeleton(`quinn-${t}@example.com`))
    // an email the old rule stored in another form is brought to the stored one, and signs in
    // with what its owner types; the look-alike left behind keeps its email as it was
    assert.equal(emailOf(unicodeDomain.id), normalizeEmail(`rosa-${t}@bücher-${t}.de`))
    assert.match(emailOf(unicodeDomain.id), /@xn--/)
    assert.equal(skeletonOf(unicodeDomain.id), emailSkeleton(normalizeEmail(`rosa-${t}@bücher-${t}.de`)))
    assert.equal(emailOf(later.id), fullwidth(`oscar-${t}@example.com`))
    const signIn = await second.gql(TOKEN_CREATE, { email: `Rosa-${t}@Bücher-${t}.de`, password: PASSWORD })
    assert.equal(signIn.body.data.tokenCreate.user?.id, unicodeDomain.id)
    const lines = second
      .output()
      .split('\n')
      .filter(line => line.includes('email skeleton'))
    assert.ok(
      lines.some(line => /"filled":4,"normalized":1,"collisions":1\b/.test(line)),
      lines.join('\n'),
    )
    const collision = lines.filter(line => line.includes(later.id))
    assert.equal(collision.length, 1, lines.join('\n'))
    assert.doesNotMatch(collision[0]!, /oscar|ｏｓｃａｒ/)
    // the filled skeletons are taken: a new look-alike of a legacy account is refused
    const staff = await tokenFor(second.context, (await makeStaff(second.context, ['MANAGE_USERS'])).id)
    const refused = await second.gql(CUSTOMER_CREATE, { input: { email: `paul-${t}@example.com` } }, { token: staff })
    assert.deepEqual(refused.body.data.customerCreate.errors, [{ field: 'email', code: 'UNIQUE' }])
    // and a rewritten email is searched for as it now reads: its search document followed it
    const domain = emailOf(unicodeDomain.id).split('@')[1]
    const found = await second.gql(
      'query($s: String) { customers(search: $s) { id } }',
      { s: domain },
      { token: staff },
    )
    assert.deepEqual(found.body.data.customers, [{ id: unicodeDomain.id }])
  } finally {
    await second?.stop()
    await first?.stop()
    await drop()
  }
})

for (const database of TEST_DATABASES) {
  describe(`twins at once on ${database}`, { skip: databaseSkipReason(database) }, () => {
    let raceServer: TestServer
    let raceStaffToken: string
    const RACE_REQUESTS = 12

    before(async () => {
      raceServer = await startServer({ database, env: { ACCOUNT_REQUEST_LIMIT: String(RACE_REQUESTS * 4) } })
      raceStaffToken = await tokenFor(raceServer.context, (await makeStaff(raceServer.context, ['MANAGE_USERS'])).id)
    })
    after(async () => {
      await raceServer?.stop()
    })

    test(`accountRegister of ${RACE_REQUESTS} look-alikes of one new address at once makes one account and answers every caller alike`, async () => {
      // given three forms people read as one address
      const email = `twin-${database}-${tag()}@example.com`
      const forms = [email, email.replace(/i/g, 'і'), email.replace('e', 'е').replace('a', 'а')]

      // when
      const responses = await Promise.all(
        Array.from({ length: RACE_REQUESTS }, (_, i) =>
          raceServer.gql(REGISTER, {
            input: { email: forms[i % forms.length], password: NEW_PASSWORD, redirectUrl: REDIRECT },
          }),
        ),
      )

      // then
      const unexpected = responses.filter(
        response =>
          response.status !== 200 ||
          response.body.errors !== undefined ||
          JSON.stringify(response.body.data?.accountRegister) !== JSON.stringify(ORDINARY),
      )
      assert.deepEqual(
        unexpected.map(response => ({ status: response.status, body: response.body })),
        [],
      )
      const accounts = await raceServer.context.prisma.user.findMany({ where: { emailSkeleton: emailSkeleton(email) } })
      assert.equal(accounts.length, 1)
      assert.equal(
        await raceServer.context.prisma.user.count({
          where: { email: { in: forms.map(form => normalizeEmail(form)) } },
        }),
        1,
      )
      assert.equal(
        await raceServer.context.prisma.accountEvent.count({
          where: { type: 'ACCOUNT_CREATED', userId: accounts[0]!.id },
        }),
        1,
      )
    })

    test(`customerCreate of ${RACE_REQUESTS} look-alikes of one new address at once creates one customer and answers the others UNIQUE`, async () => {
      // given
      const email = `twin-staff-${database}-${tag()}@example.com`
      const forms = [email, fullwidth(email), email.replace('a', 'а'), `${email}.`]

      // when
      const responses = await Promise.all(
        Array.from({ length: RACE_REQUESTS }, (_, i) =>
          raceServer.gql(CUSTOMER_CREATE, { input: { email: forms[i % forms.length] } }, { token: raceStaffToken }),
        ),
      )

      // then
      assert.deepEqual(
        responses.filter(response => response.status !== 200 || response.body.errors !== undefined).map(r => r.body),
        [],
      )
      const answers = responses.map(response => response.body.data.customerCreate)
      assert.equal(answers.filter(answer => answer.user !== null).length, 1)
      for (const answer of answers.filter(answer => answer.user === null))
        assert.deepEqual(answer.errors, [{ field: 'email', code: 'UNIQUE' }])
      assert.equal(await raceServer.context.prisma.user.count({ where: { emailSkeleton: emailSkeleton(email) } }), 1)
    })
  })
}
